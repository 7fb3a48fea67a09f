"""The active filters as removable chips in a row of their own under the search field.

One chip per selected folder, tag and kind, one for the date range and one for the camera, and
a "Similar to …" chip while a 'more like this' search shows. Chips that do not fit the row at
their full size go into a "+N" button's menu. A chip's × asks for that filter to go
(``removed``, or ``similar_cleared`` for the similarity chip); the window takes it away where
it lives (the sidebar's selection, the search bar's date and camera) and searches again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Signal
from PySide6.QtGui import QIcon, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)
from shiboken6 import isValid

from mmdesk.core.paths import display
from mmdesk.gui.compat import emit
from mmdesk.gui.sidebar import KIND_NAMES

if TYPE_CHECKING:
    from mmdesk.gui.searchbar import SearchBar
    from mmdesk.gui.sidebar import Sidebar
    from mmdesk.gui.window_parts import WindowParts

ICON_EDGE = 20
SIMILAR = "similar"


@dataclass(frozen=True)
class ChipSpec:
    """One filter as a chip: ``kind`` is folder | tag | kind | date | camera, ``value`` what the
    filter holds (a folder path, a tag name ...), ``label`` what the chip says."""

    kind: str
    value: str
    label: str
    tip: str = ""


class Chip(QFrame):
    """A rounded label with a × button."""

    closed = Signal()

    def __init__(
        self, label: str, tip: str = "", icon: QIcon | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filter-chip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#filter-chip { border: 1px solid palette(mid); border-radius: 10px;"
            " background: palette(alternate-base); }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 1, 2, 1)
        row.setSpacing(3)
        if icon is not None and not icon.isNull():
            picture = QLabel(self)
            picture.setPixmap(icon.pixmap(QSize(ICON_EDGE, ICON_EDGE)))
            row.addWidget(picture)
        self.label = QLabel(label, self)
        self.label.setToolTip(tip or label)
        row.addWidget(self.label)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Remove this filter")
        self.close_button.setAccessibleName(f"Remove {label}")
        self.close_button.clicked.connect(lambda: emit(self.closed))
        row.addWidget(self.close_button)

    def text(self) -> str:
        return self.label.text()


class FilterChips(QWidget):
    """A row of chips; hidden while there is none."""

    removed = Signal(str, str)  # (kind, value) of the chip whose × was clicked
    similar_cleared = Signal()
    shown_changed = Signal()  # the row was shown or hidden (it has chips, or none now)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(6, 0, 6, 2)
        self._row.setSpacing(4)
        self.more = QToolButton(self)  # "+N": the chips that do not fit, as a menu
        self.more.setObjectName("filter-chips-more")
        self.more.setAutoRaise(True)
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setMenu(QMenu(self.more))
        self.more.hide()
        self._row.addWidget(self.more)
        self._row.addStretch(1)
        self._specs: list[ChipSpec] = []
        self._chips: list[Chip] = []
        self._similar: Chip | None = None
        self.setVisible(False)

    def set_chips(self, specs: list[ChipSpec]) -> None:
        """Show these filters (the similarity chip, if any, stays first); a chip whose filter
        stays is kept as it is."""
        if specs == self._specs:
            return
        old = dict(zip(self._specs, self._chips, strict=True))
        chips = []
        for spec in specs:
            chip = old.pop(spec, None)
            if chip is None:
                chip = Chip(spec.label, spec.tip, parent=self)
                chip.closed.connect(lambda s=spec: emit(self.removed, s.kind, s.value))
            chips.append(chip)
        for chip in old.values():
            self._row.removeWidget(chip)
            chip.deleteLater()
        for chip in chips:
            self._row.removeWidget(chip)
        first = 1 if self._similar is not None else 0
        for n, chip in enumerate(chips):
            self._row.insertWidget(first + n, chip)
        self._specs, self._chips = list(specs), chips
        self._update_visible()

    def set_similar(self, label: str | None, icon: QPixmap | QIcon | None = None) -> None:
        """Show a "Similar to <label>" chip with the source's thumbnail, or with ``None``
        remove it."""
        if self._similar is not None:
            self._row.removeWidget(self._similar)
            self._similar.deleteLater()
            self._similar = None
        if label is not None:
            if isinstance(icon, QPixmap):
                icon = QIcon(icon)
            chip = Chip(f"Similar to {label}", f"Items similar to {label}", icon, self)
            chip.setProperty("chip_kind", SIMILAR)
            chip.closed.connect(lambda: emit(self.similar_cleared))
            self._row.insertWidget(0, chip)
            self._similar = chip
        self._update_visible()

    def chips(self) -> list[Chip]:
        """The chips shown, in order (the similarity chip first)."""
        return ([self._similar] if self._similar is not None else []) + list(self._chips)

    def specs(self) -> list[ChipSpec]:
        return list(self._specs)

    def chip(self, kind: str, value: str | None = None) -> Chip | None:
        """The chip of this filter, if shown (``kind`` "similar" for the similarity chip)."""
        if kind == SIMILAR:
            return self._similar
        for spec, chip in zip(self._specs, self._chips, strict=True):
            if spec.kind == kind and (value is None or spec.value == value):
                return chip
        return None

    def hidden_chips(self) -> list[Chip]:
        """The chips that did not fit the row: listed in the "+N" button's menu instead."""
        return [chip for chip in self.chips() if chip.isHidden()]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _update_visible(self) -> None:
        show = bool(self._chips or self._similar is not None)
        changed = show == self.isHidden()
        self.setVisible(show)
        self._fit()
        if changed:
            emit(self.shown_changed)

    def _fit(self) -> None:
        """Show the chips, in order, while they fit at their full size; the rest go into the
        "+N" button's menu (each entry removes its filter), never squeezed unreadable."""
        chips = self.chips()
        margins = self._row.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        gap = self._row.spacing()
        self.more.setText(f"+{len(chips)}")  # the widest it says: its room is kept for it
        more_width = self.more.sizeHint().width() + gap
        used = 0
        hidden: list[Chip] = []
        for n, chip in enumerate(chips):
            width = chip.sizeHint().width() + gap
            last = n == len(chips) - 1  # needs no room for "+N" after it
            if hidden or used + width > room - (0 if last else more_width):
                hidden.append(chip)
            else:
                used += width
        for chip in chips:
            chip.setVisible(chip not in hidden)
        self.more.setVisible(bool(hidden))
        if hidden:
            self.more.setText(f"+{len(hidden)}")
            self.more.setToolTip(f"{len(hidden)} more filter{'s' if len(hidden) > 1 else ''}")
            menu = self.more.menu()
            menu.clear()
            for chip in hidden:
                action = menu.addAction(f"Remove {chip.text()}")
                action.triggered.connect(lambda *_, c=chip: emit(c.closed))


class ChipsRow(QWidget):
    """The chips' own row under the toolbar, as tall with chips as without (nothing below
    moves when they come and go), its chips under the search field, from its left edge and no
    wider; with no filter, a muted hint says where filters come from."""

    def __init__(self, chips: FilterChips, edit: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chips, self.edit = chips, edit
        chips.setParent(self)
        self.hint = QLabel(HINT, self)
        self.hint.setEnabled(False)  # drawn in the palette's muted text
        sample = Chip("Tag: x", parent=self)  # how tall a chip is, in this style and font
        sample.hide()
        height = max(sample.sizeHint().height() + 2, self.hint.sizeHint().height())
        sample.deleteLater()
        self.setFixedHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        chips.shown_changed.connect(self._follow)
        for watched in (edit, edit.parentWidget()):  # Qt drops the filter with this row
            if watched is not None:
                watched.installEventFilter(self)
        self._follow()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _FOLLOW and isValid(self) and isValid(self.edit):
            self._follow()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._follow()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._follow()

    def _follow(self) -> None:
        """Under the search field: its left edge and width, in this row's coordinates."""
        if not (isValid(self) and isValid(self.edit) and isValid(self.chips)):
            return
        top = self.window()
        left = self.edit.mapTo(top, QPoint(0, 0)).x() - self.mapTo(top, QPoint(0, 0)).x()
        left = max(0, left - 6)  # the chips' own margin: their border lines up with the field
        width = max(0, min(self.edit.width() + 12, self.width() - left))
        box = QRect(left, 0, width, self.height())
        self.chips.setGeometry(box)
        self.hint.setGeometry(box.adjusted(8, 0, 0, 0))
        self.hint.setVisible(self.chips.isHidden())


HINT = "No filters — click a folder, tag or kind in the sidebar, or use Filter"
_FOLLOW = (QEvent.Type.Move, QEvent.Type.Resize)


def chip_specs(sidebar: Sidebar, searchbar: SearchBar) -> list[ChipSpec]:
    """The chips for what the sidebar and the search bar filter on now."""
    specs = []
    for folder in sidebar.selected_folders():
        shown = display(folder)
        specs.append(ChipSpec("folder", folder, f"Folder: {Path(shown).name or shown}", shown))
    specs += [
        ChipSpec("tag", t, f"Tag: {t}", f"Items tagged {t!r}") for t in sidebar.selected_tags()
    ]
    for kind in sidebar.selected_kinds():
        specs.append(ChipSpec("kind", kind, f"Kind: {KIND_NAMES.get(kind, kind)}"))
    start, end = searchbar.date_range()
    if start or end:
        if start and end:
            when = start if start == end else f"{start} – {end}"
        else:
            when = f"from {start}" if start else f"to {end}"
        specs.append(ChipSpec("date", "", f"Date: {when}", "Taken (else last changed) " + when))
    camera = searchbar.camera()
    if camera:
        specs.append(ChipSpec("camera", camera, f"Camera: {camera}", f"Taken with {camera}"))
    return specs


def sync(searchbar: SearchBar, sidebar: Sidebar) -> None:
    """Show the chips of the filters in force (the window's ``filters()`` calls it)."""
    searchbar.chips.set_chips(chip_specs(sidebar, searchbar))


def install(window: WindowParts) -> None:
    """Wire the chips into the window: a chip's × takes its filter away where it lives (the
    sidebar's selection, the bar's date range or camera), which searches again. Also gives the
    sidebar its folder counts (read on the reader: a grouped scan of every file) and the Filter
    menu its cameras (on the window's library, when the menu opens)."""
    searchbar, sidebar = window.searchbar, window.sidebar

    def remove(kind: str, value: str) -> None:
        if kind in ("folder", "tag", "kind"):
            sidebar.set_selected(kind + "s", value, False)
        elif kind == "date":
            searchbar.clear_date_range()
        elif kind == "camera":
            searchbar.clear_camera()

    searchbar.chips.removed.connect(remove)
    searchbar.filters_edited.connect(lambda: sync(searchbar, sidebar))
    sidebar.filters_changed.connect(lambda: sync(searchbar, sidebar))
    searchbar.cameras_of = window.library.cameras

    def read_counts(done: Callable[[dict[str, int]], None]) -> None:
        window.runner.read(lambda library: library.folder_counts(), done, key="folder-counts")

    sidebar.read_folder_counts = read_counts
