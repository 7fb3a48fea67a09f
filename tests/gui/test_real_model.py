"""The real offline default model on real photos, through the window as a person uses it."""

from __future__ import annotations

import pytest
from helpers import index_folder, open_window, search

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_a_cat_finds_chelsea_first(qtbot, default_settings, skimage_photos):
    window = open_window(qtbot, default_settings)
    report = index_folder(qtbot, window, skimage_photos)
    assert report.indexed >= 10 and not report.errors
    assert search(qtbot, window, "a cat")[0] == "chelsea.jpg"
    assert search(qtbot, window, "a cup of coffee")[0] == "coffee.jpg"
