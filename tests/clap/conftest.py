"""Fixtures of the CLAP tests: the tiny model folder and its export, built once a session."""

from __future__ import annotations

from pathlib import Path

import pytest
from clap_kit import build_tiny_clap


@pytest.fixture(scope="session")
def tiny_clap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``save_pretrained`` folder of a tiny unfused CLAP model."""
    pytest.importorskip("transformers")
    return build_tiny_clap(tmp_path_factory.mktemp("hf") / "tiny-clap")


@pytest.fixture(scope="session")
def clap_plugin(tiny_clap: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model exported to a plugin folder (inside a plugins root of its own)."""
    from mmdesk.export.clap import export_clap

    return export_clap(str(tiny_clap), tmp_path_factory.mktemp("plugins") / "clap-tiny")
