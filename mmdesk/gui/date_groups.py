"""The grid's date groups: a header row ("March 2024 · 143") before each month's items.

When the grid browses by date (every item, newest or oldest first) its rows are grouped by the
date the store sorts by: taken, else the file's local modification time. A view with items on
at most :data:`MAX_DAY_GROUPS` different days within :data:`MAX_DAY_SPAN` days (a trip, a
weekend's folder, a few events) is grouped by day, any other by month (a year of scattered
days would otherwise be a header per photo), so headers never outnumber the photos; a view
that is all one group gets no header (it would say nothing). The counts come from the
library's histogram (:meth:`mmdesk.core.library.Library.date_histogram`), so a header tells
the whole month even while only its first page is loaded.

A header is a model row that can never be selected, opened or tagged (no item flags);
:class:`GridRows` maps model rows to results and headers, so the model's ``results()`` and
``result(row)`` keep meaning results only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QListView, QStyle

from mmdesk.core.search import Result

HeaderRole = Qt.ItemDataRole.UserRole + 30  # a header row's :class:`Header` (else None)
MAX_DAY_GROUPS = 31  # a view with items on at most this many days is grouped by day ...
MAX_DAY_SPAN = 62  # ... when they lie within this many days of each other
MONTHS = (
    "January February March April May June July August September October November December"
).split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def date_of(result: Result) -> str:
    """The day ("2024-03-02") an item is dated by, as the store sorts it: when it was taken,
    else when its file last changed (local time); "" when neither is known."""
    taken = result.file.get("taken_at")
    if taken:
        return str(taken)[:10]
    mtime = result.file.get("mtime_ns")
    if isinstance(mtime, int):
        return dt.datetime.fromtimestamp(mtime // 1_000_000_000).strftime("%Y-%m-%d")
    return ""


def period_title(key: str) -> str:
    """ "March 2024" for "2024-03", "Saturday 2 March 2024" for a day, "Undated" for ""."""
    try:
        if len(key) == 7:
            return f"{MONTHS[int(key[5:7]) - 1]} {key[:4]}"
        day = dt.date.fromisoformat(key)
    except (ValueError, IndexError):
        return key or "Undated"
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Header:
    """One group's header row."""

    key: str  # "2024-03", or "2024-03-02" when grouped by day; "" for undated items
    count: int | None = None  # items in the group, when the histogram knows

    @property
    def title(self) -> str:
        name = period_title(self.key)
        return name if self.count is None else f"{name} · {self.count:,}"


def _span_days(days: list[str]) -> int:
    """How many days lie between the first and the last of ``days`` (ISO dates)."""
    try:
        dates = [dt.date.fromisoformat(day[:10]) for day in days]
    except ValueError:  # an odd date string: count it as a long span (grouped by month)
        return MAX_DAY_SPAN + 1
    return (max(dates) - min(dates)).days if dates else 0


@dataclass(frozen=True)
class Timeline:
    """The groups of a browse, in the grid's order: ``(key, items)`` each."""

    period: str = "month"  # "month" | "day"
    groups: tuple[tuple[str, int], ...] = ()
    _counts: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._counts.update(self.groups)

    @classmethod
    def from_days(cls, days: Iterable[tuple[str, int]]) -> Timeline:
        """The timeline of a day histogram (in browse order): by day when it spans few days,
        else its months, counts added up in the same order."""
        days = list(days)
        if len(days) <= MAX_DAY_GROUPS and _span_days([day for day, _ in days]) <= MAX_DAY_SPAN:
            return cls("day", tuple(days))
        months: dict[str, int] = {}
        for day, count in days:
            months[day[:7]] = months.get(day[:7], 0) + count
        return cls("month", tuple(months.items()))

    def key(self, result: Result) -> str:
        """The group a result belongs to."""
        day = date_of(result)
        return day[:7] if self.period == "month" else day

    def count(self, key: str) -> int | None:
        return self._counts.get(key)

    @property
    def total(self) -> int:
        return sum(count for _, count in self.groups)

    def offset(self, key: str) -> int:
        """How many items come before the group's first one (its browse offset)."""
        before = 0
        for group, count in self.groups:
            if group == key:
                return before
            before += count
        return before


class GridRows:
    """Which model row shows what: a result, or the header of the group after it.

    ``slots[row]`` is the result's index in ``results`` (0 and up) or ``-1 - n`` for
    ``headers[n]``; ``row_of[i]`` is result ``i``'s model row. Without a timeline, rows are
    the results one for one.
    """

    def __init__(self) -> None:
        self.reset([], None)

    def reset(self, results: list[Result], timeline: Timeline | None) -> None:
        self.timeline = timeline
        self.results: list[Result] = []
        self.headers: list[Header] = []
        self.slots: list[int] = []
        self.row_of: list[int] = []
        self.by_path: dict[str, list[int]] = {}  # path -> result indices, in the grid's order
        self._header_rows: dict[str, int] = {}
        self._last_key: str | None = None
        self.extend(results)

    def added_rows(self, results: list[Result]) -> int:
        """How many rows :meth:`extend` will add for ``results`` (headers included)."""
        if self.timeline is None:
            return len(results)
        keys = [self.timeline.key(r) for r in results]
        return len(results) + sum(1 for a, b in zip([self._last_key, *keys], keys) if a != b)

    def extend(self, results: list[Result]) -> None:
        """Append ``results`` (a next page), with a header wherever their group changes."""
        for result in results:
            if self.timeline is not None:
                key = self.timeline.key(result)
                if key != self._last_key:
                    self._last_key = key
                    self._header_rows.setdefault(key, len(self.slots))
                    self.slots.append(-1 - len(self.headers))
                    self.headers.append(Header(key, self.timeline.count(key)))
            self.by_path.setdefault(result.path, []).append(len(self.results))
            self.row_of.append(len(self.slots))
            self.slots.append(len(self.results))
            self.results.append(result)

    def header_at(self, row: int) -> Header | None:
        slot = self.slots[row] if 0 <= row < len(self.slots) else 0
        return self.headers[-1 - slot] if slot < 0 else None

    def result_at(self, row: int) -> Result | None:
        slot = self.slots[row] if 0 <= row < len(self.slots) else -1
        return self.results[slot] if slot >= 0 else None

    def header_row(self, key: str) -> int | None:
        """The model row of a group's header, if that group is loaded."""
        return self._header_rows.get(key)

    def step(self, row: int, delta: int) -> int | None:
        """The row of the result ``delta`` results after (before) the one at ``row``."""
        slot = self.slots[row] if 0 <= row < len(self.slots) else -1
        if slot < 0:
            return None
        wanted = slot + delta
        return self.row_of[wanted] if 0 <= wanted < len(self.results) else None


def header_data(header: Header, role: int) -> Any:
    """What the model says of a header row: its title, and the :class:`Header` itself."""
    if role == HeaderRole:
        return header
    text_roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
    return header.title if role in text_roles else None


# -- drawing a header -------------------------------------------------------------------------
def header_size(view: QListView, font_height: int) -> QSize:
    """A header as wide as the grid's layout (so it flows onto its own row), a line tall."""
    return QSize(max(1, _layout_width(view)), font_height * 2 + 8)


def _layout_width(view: QListView) -> int:
    """The width QListView wraps items at: its viewport, less a scroll bar it may need."""
    scroll_bar = view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, view)
    return view.maximumViewportSize().width() - scroll_bar - 2 * view.spacing() - 2


def paint_header(painter: QPainter, option: Any, header: Header) -> None:
    """The group's title in bold on the left, with a rule under it (palette roles only)."""
    painter.save()
    palette: QPalette = option.palette
    rect: QRect = option.rect.adjusted(8, 4, -8, -2)
    font = QFont(option.font)
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15 if font.pointSizeF() > 0 else 11)
    painter.setFont(font)
    group = QPalette.ColorGroup.Active  # a header has no item flags: not drawn greyed out
    painter.setPen(palette.color(group, QPalette.ColorRole.Text))
    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    painter.drawText(rect, align, header.title)
    painter.setPen(palette.color(group, QPalette.ColorRole.Mid))
    painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())
    painter.restore()
