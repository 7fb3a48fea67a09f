"""The browse timeline: date headers in the grid and the scrubber beside it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from helpers import index_folder, open_window, search, wait_for
from mmdesk_testing import make_photo
from PySide6.QtCore import QPoint, Qt

from mmdesk.core.search import Result
from mmdesk.gui.date_groups import GridRows, Timeline, date_of

pytestmark = pytest.mark.gui

MONTHS = {"2024-01": 12, "2024-03": 12, "2024-05": 12}  # one photo a day: 36 days, by month


def dated(root: Path, days: list[str]) -> Path:
    """A photo per entry of ``days``, its file time noon that day (no EXIF)."""
    for n, day in enumerate(days):
        path = make_photo(root / f"p{n:02d}.png", ("red", "green", "blue")[n % 3], seed=n)
        stamp = dt.datetime.fromisoformat(f"{day}T12:00:00").timestamp()
        os.utime(path, (stamp, stamp))
    return root


def three_months(root: Path) -> Path:
    return dated(root, [f"{m}-{d + 1:02d}" for m, count in MONTHS.items() for d in range(count)])


def header_rows(model) -> list[int]:
    return [row for row in range(model.rowCount()) if model.header_at(row) is not None]


def test_browsing_groups_by_month_with_headers_that_are_never_selected(qtbot, settings, tmp_path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, three_months(tmp_path / "pics"))
    model, view = window.model, window.view
    wait_for(qtbot, lambda: len(model.results()) == 36 and model.timeline is not None)
    rows = header_rows(model)
    titles = [model.header_at(row).title for row in rows]
    assert titles == ["May 2024 · 12", "March 2024 · 12", "January 2024 · 12"]
    assert rows == [0, 13, 26] and model.rowCount() == 39
    assert all(model.flags(model.index(row)) == Qt.ItemFlag.NoItemFlags for row in rows)
    for row, month in zip(rows, MONTHS.__reversed__()):  # each group holds its month's items
        group = [model.result(r) for r in range(row + 1, row + 13)]
        assert {date_of(r)[:7] for r in group} == {month}
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(view.selected_results()) == 36  # every result, no header
    # a header is as wide as the grid: the tile after it starts a row of its own
    header, first_tile, tile_after = (view.visualRect(model.index(r)) for r in (13, 1, 14))
    assert header.width() > 2 * first_tile.width() and tile_after.left() == first_tile.left()


def test_keys_and_the_viewer_step_over_headers(qtbot, settings, tmp_path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, three_months(tmp_path / "pics"))
    model, view = window.model, window.view
    wait_for(qtbot, lambda: len(model.results()) == 36 and model.timeline is not None)
    march = header_rows(model)[1]
    last_may, first_march = model.result(march - 1), model.result(march + 1)
    window.viewer.open(row=march - 1)
    assert window.viewer.viewer.title.text().endswith("12 of 36")
    qtbot.keyClick(window.viewer.viewer, Qt.Key.Key_Right)
    assert view.current_result() == first_march  # the header row was skipped
    assert window.viewer.viewer.title.text().endswith("13 of 36")
    qtbot.keyClick(window.viewer.viewer, Qt.Key.Key_Left)
    assert view.current_result() == last_may
    window.viewer.close()
    # arrow keys in the grid never land on a header
    view.setCurrentIndex(model.index(1))
    view.setFocus()
    months = []
    for _ in range(12):
        qtbot.keyClick(view, Qt.Key.Key_Down)
        current = view.current_result()
        assert current is not None
        months.append(date_of(current)[:7])
    assert months[-1] == "2024-01" and "2024-03" in months
    # a header is never current: clicked, or made current (Down from the search box does)
    view.selectionModel().clearSelection()
    view.scrollTo(model.index(march))
    centre = view.visualRect(model.index(march)).center()
    assert view.viewport().rect().contains(centre)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert view.selected_results() == [] and model.header_at(view.currentIndex().row()) is None
    view.setCurrentIndex(model.index(march))
    assert view.current_result() == first_march
    # opening with nothing current opens the first result, not the header above it
    view.selectionModel().clearCurrentIndex()
    window.viewer.open()
    assert view.current_result() == model.result(1)
    window.viewer.close()


def test_the_scrubber_jumps_to_a_month_loading_pages_up_to_it(
    qtbot, settings, tmp_path, monkeypatch
):
    monkeypatch.setattr("mmdesk.gui.paging.PAGE", 5)  # pages of 5: January starts at 24
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, three_months(tmp_path / "pics"))
    model, view, scrubber = window.model, window.view, window.scrubber
    # the first page, and the next ones the view asks for while its last row is in sight
    wait_for(qtbot, lambda: "of 36 items" in window.message.text() and model.timeline)
    assert len(model.results()) < 24
    assert scrubber.isVisible() and scrubber.timeline is not None
    assert [key for key, _ in scrubber.timeline.groups] == ["2024-05", "2024-03", "2024-01"]
    assert model.header_row("2024-01") is None  # not loaded yet
    assert scrubber.title(scrubber.key_at(scrubber.point_of("2024-03").y())) == "March 2024 · 12"
    qtbot.mouseMove(scrubber, scrubber.point_of("2024-03"))  # hovering names the month
    wait_for(qtbot, lambda: scrubber.hovered == "2024-03")
    assert [text for _, text, _ in scrubber.labels()] == ["2024", "Mar", "Jan"]
    qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=scrubber.point_of("2024-01"))
    wait_for(qtbot, lambda: model.header_row("2024-01") is not None)
    january = model.header_row("2024-01")
    wait_for(qtbot, lambda: view.visualRect(model.index(january)).top() <= 0)
    assert view.indexAt(QPoint(12, 12)).row() == january  # the month's header at the top
    assert scrubber.current == "2024-01"
    assert "of 36 items" in window.message.text()
    # back up to March: already loaded, scrolled at once
    qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=scrubber.point_of("2024-03"))
    assert view.visualRect(model.index(model.header_row("2024-03"))).top() == 0
    # ranked results have no timeline
    search(qtbot, window, "red")
    assert not scrubber.isVisible() and model.timeline is None
    assert all(model.header_at(row) is None for row in range(model.rowCount()))


def test_few_days_are_grouped_by_day_and_one_day_not_at_all(qtbot, settings, tmp_path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, dated(tmp_path / "trip", ["2024-03-02"] * 3 + ["2024-03-03"] * 2))
    model = window.model
    wait_for(qtbot, lambda: len(model.results()) == 5 and model.timeline is not None)
    titles = [model.header_at(row).title for row in header_rows(model)]
    assert titles == ["Sunday 3 March 2024 · 2", "Saturday 2 March 2024 · 3"]
    index_folder(qtbot, window, dated(tmp_path / "day", ["2024-04-01"] * 2))
    wait_for(qtbot, lambda: len(model.results()) == 7)
    assert model.timeline is not None and len(header_rows(model)) == 3


def test_grid_rows_map_results_and_headers():
    def result(n: int, day: str) -> Result:
        return Result(n, f"/p/{n}.jpg", float("nan"), "image", None, None, {"taken_at": day})

    timeline = Timeline.from_days([("2024-03-02", 2), ("2024-03-01", 1)])
    rows = GridRows()
    rows.reset([result(1, "2024-03-02T10:00:00")], timeline)
    assert rows.added_rows([result(2, "2024-03-02T09:00:00"), result(3, "2024-03-01")]) == 3
    rows.extend([result(2, "2024-03-02T09:00:00"), result(3, "2024-03-01")])
    assert rows.slots == [-1, 0, 1, -2, 2] and rows.row_of == [1, 2, 4]
    assert rows.step(2, 1) == 4 and rows.step(4, -1) == 2 and rows.step(4, 1) is None
    assert rows.header_row("2024-03-01") == 3 and rows.result_at(3) is None
    assert timeline.offset("2024-03-01") == 2
    days = [(f"2024-{m:02d}-{d:02d}", 1) for m in (1, 2) for d in range(1, 21)]
    assert Timeline.from_days(days).groups == (("2024-01", 20), ("2024-02", 20))


def test_a_few_days_scattered_over_a_year_group_by_month_not_a_header_per_photo() -> None:
    scattered = [(f"2024-{month:02d}-{day:02d}", 1) for month, day in ((9, 23), (9, 4), (3, 1))]
    assert Timeline.from_days(scattered) == Timeline("month", (("2024-09", 2), ("2024-03", 1)))
    trip = [("2024-09-23", 4), ("2024-09-04", 2), ("2024-08-30", 7)]  # within 62 days
    assert Timeline.from_days(trip).period == "day"


def test_a_search_sorted_by_date_gets_headers_counted_over_its_results(qtbot, settings, tmp_path):
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, three_months(tmp_path / "pics"))
    model, bar = window.model, window.searchbar
    bar.sort.setCurrentIndex(bar.sort.findData("newest"))
    search(qtbot, window, "red")
    results = model.results()
    assert model.timeline is not None and window.paging.scrubber.isVisible()
    months = sorted({date_of(r)[:7] for r in results}, reverse=True)
    names = {"2024-05": "May 2024", "2024-03": "March 2024", "2024-01": "January 2024"}
    titles = [model.header_at(row).title for row in header_rows(model)]
    assert len(months) > 1 and len(results) < 36  # a search's results, not every photo
    assert titles == [f"{names[m]} · {sum(date_of(r)[:7] == m for r in results)}" for m in months]
    loaded = len(results)
    window.paging.jump("2024-01")  # all in the grid already: a scroll, no page fetched
    assert len(model.results()) == loaded
    bar.sort.setCurrentIndex(bar.sort.findData("relevance"))
    wait_for(qtbot, lambda: model.timeline is None)
