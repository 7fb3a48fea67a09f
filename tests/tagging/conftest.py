"""Fixtures of the tagging tests: an indexed toy library, with and without a classifier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from classifier_kit import build_classifier_plugin

from mmdesk.config import Settings
from mmdesk.core.library import Library


@pytest.fixture()
def library(settings: Settings, photos: Path) -> Iterator[Library]:
    """The nine toy photos indexed, no classifier installed yet."""
    with Library(settings) as lib:
        lib.index([photos])
        yield lib


@pytest.fixture()
def classified(library: Library) -> Library:
    """The indexed library with the warm/cool classifier installed (nothing predicted yet)."""
    build_classifier_plugin(library.settings.user_plugin_dir)
    library.registry.refresh()
    return library
