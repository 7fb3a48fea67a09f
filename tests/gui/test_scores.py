"""One score scale: the tile badge, its facts line, the tooltip, the preview and the CLI all
write a result's score the same way; browsing (no score) shows none."""

from __future__ import annotations

import pytest
from helpers import index_folder, open_window, search
from PySide6.QtGui import QAction

from mmdesk.cli.search_cmds import print_rows
from mmdesk.core.search import Result
from mmdesk.gui.results import badge, facts_line, tooltip
from mmdesk.gui.scores import score_text

pytestmark = pytest.mark.gui


def test_score_text_has_three_decimals_and_nothing_for_no_score():
    assert score_text(0.45678) == "0.457"
    assert score_text(1.0) == "1.000"
    assert score_text(float("nan")) == score_text(None) == ""


def test_badge_tooltip_preview_and_cli_show_the_same_score(qtbot, settings, photos, capsys):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "red")
    window.view.setCurrentIndex(window.model.index(0))
    result = window.model.result(0)
    text = score_text(result.score)
    assert text and text[0].isdigit()
    assert badge(result, score=True).startswith(text)
    assert text not in badge(result)  # the badge shows it on hover or when asked
    assert f"match score {text}" in tooltip(result).splitlines()
    assert window.preview.fields["Score"].text() == text
    assert facts_line(result).endswith(f" · {text}")
    print_rows([result.to_json()], as_json=False)
    assert capsys.readouterr().out.split()[0] == text


def test_browsing_shows_no_score(qtbot, settings, photos):
    window = open_window(qtbot, settings)
    browsed = Result(1, str(photos / "red" / "red-0.png"), float("nan"), "image", None, None, {})
    assert badge(browsed, score=True) == ""
    assert "score" not in tooltip(browsed)
    assert facts_line(browsed) == ""
    window.preview.show_results([browsed], {}, [])
    assert not window.preview.facts.isRowVisible(window.preview.fields["Score"])


def test_the_score_option_puts_the_score_in_every_badge(qtbot, settings):
    window = open_window(qtbot, settings)
    delegate = window.view.delegate()
    actions = window.findChildren(QAction)
    action = next(a for a in actions if a.text().replace("&", "") == "Show score on tiles")
    action.setChecked(True)
    assert delegate.show_score and not delegate.show_date
    assert window.qsettings.value("grid/show_score") in (True, "true")
    action.setChecked(False)
    assert not delegate.show_score
