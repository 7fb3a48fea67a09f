"""Shared fixtures for the export tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmdesk.export.default_model import BUILD_MODULES


@pytest.fixture(scope="session")
def default_plugin(request: pytest.FixtureRequest) -> Path:
    """The default plugin folder, built once per session (about 20-40 s on 2 cores).

    Skips, rather than fails, where the optional build dependencies are not installed. Reuses
    the root conftest's ``default_plugin_root`` build so a full test run builds it only once.
    """
    for module in BUILD_MODULES:
        pytest.importorskip(module)
    return Path(request.getfixturevalue("default_plugin_root")) / "default"


def pytest_configure(config: pytest.Config) -> None:
    """Register ``slow`` (open_clip exports of about a minute; deselect with -m "not slow")."""
    config.addinivalue_line("markers", "slow: exports a full-size open_clip model (~1 min)")
