"""Back and forward through what the grid showed, as a browser goes through pages.

A :class:`Place` is one query as the person saw it: the words or the 'more like this' target
(or the person whose photos, or photos like theirs, the People section showed), the sidebar
filters, the search bar's date range, camera and sort, the grid's scroll position and
selection. The window pushes the place it leaves onto :class:`History` when a new search
starts (a run of typing counts once);
Back (Alt+Left, the mouse's back button, the toolbar) returns there and Forward comes back.
:class:`MouseNavigation` turns the mouse's back and forward buttons into those actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QStyle, QTreeWidget, QTreeWidgetItem, QTreeWidgetItemIterator

if TYPE_CHECKING:
    from mmdesk.gui.window import MainWindow

LIMIT = 100  # places remembered each way

Filter = tuple[str, str]  # (sidebar section title, value): ("Tags", "sky")


@dataclass(frozen=True)
class Place:
    """One query as shown: what was asked and where the person was in its results."""

    query: str = ""
    similar: str | int | None = None
    filters: frozenset[Filter] = field(default_factory=frozenset)
    weak: bool = False  # "Show weak matches anyway" was on
    dates: tuple[str | None, str | None] = (None, None)  # the search bar's From / To
    camera: str | None = None  # the search bar's camera
    person: int | None = None  # the People section showed this person's photos
    more: bool = False  # ... or the photos like theirs ("More photos of this person")
    sort: str = "relevance"  # the search bar's sort
    scroll: int = 0
    selected: tuple[int, ...] = ()
    current: int | None = None

    def same_query(self, other: Place) -> bool:
        """Whether ``other`` asks the same thing (where the person stood aside)."""
        return replace(self, scroll=0, selected=(), current=None) == replace(
            other, scroll=0, selected=(), current=None
        )


class History:
    """Two stacks of places: behind (Back) and ahead (Forward)."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.behind: list[Place] = []
        self.ahead: list[Place] = []

    def push(self, left: Place) -> None:
        """The person left ``left`` for a new query: Back returns there; Forward is gone."""
        if self.behind and self.behind[-1].same_query(left):
            self.behind[-1] = left
        else:
            self.behind.append(left)
        del self.behind[: -self.limit]
        self.ahead.clear()

    def back(self, here: Place) -> Place | None:
        """The place before ``here`` (which Forward then returns to), or None."""
        if not self.behind:
            return None
        self.ahead.append(here)
        return self.behind.pop()

    def forward(self, here: Place) -> Place | None:
        if not self.ahead:
            return None
        self.behind.append(here)
        return self.ahead.pop()

    def can_back(self) -> bool:
        return bool(self.behind)

    def can_forward(self) -> bool:
        return bool(self.ahead)


def sidebar_filters(tree: QTreeWidget, role: int) -> frozenset[Filter]:
    """The selected sidebar entries as (section title, value) pairs."""
    return frozenset(
        (_section(item), str(item.data(0, role)))
        for item in tree.selectedItems()
        if item.parent() is not None and item.data(0, role) is not None
    )


def select_filters(tree: QTreeWidget, role: int, wanted: frozenset[Filter]) -> None:
    """Select exactly the entries in ``wanted`` (signals blocked: the caller searches once)."""
    tree.blockSignals(True)
    try:
        it = QTreeWidgetItemIterator(tree)
        while (item := it.value()) is not None:
            if item.parent() is not None and item.data(0, role) is not None:
                item.setSelected((_section(item), str(item.data(0, role))) in wanted)
            it += 1
    finally:
        tree.blockSignals(False)


def _section(item: QTreeWidgetItem) -> str:
    while (parent := item.parent()) is not None:
        item = parent
    return item.text(0)


class MouseNavigation(QObject):
    """An event filter: the mouse's back / forward buttons call ``back`` / ``forward``."""

    def __init__(
        self, back: Callable[[], None], forward: Callable[[], None], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._back, self._forward = back, forward

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            if event.button() == Qt.MouseButton.BackButton:
                self._back()
                return True
            if event.button() == Qt.MouseButton.ForwardButton:
                self._forward()
                return True
        return super().eventFilter(watched, event)


class Navigation(QObject):
    """The window's history: Back / Forward actions, the mouse buttons, and where each query
    leaves the grid. The search code calls :meth:`leaving` before a new query and
    :meth:`shown` after results land; :meth:`back` and :meth:`forward` ask the window to
    :meth:`~mmdesk.gui.search_actions.SearchActions.go_to` a place."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.history = History()
        self.showing: Place | None = None  # the place the grid shows
        self.restoring: Place | None = None  # a place Back asked for, until it is shown
        self._typing = False  # the last move was typing: a run of typing is one place
        self.back_action = self._action("&Back", QKeySequence.StandardKey.Back, self.back)
        self.forward_action = self._action(
            "&Forward", QKeySequence.StandardKey.Forward, self.forward
        )
        self.back_action.setIcon(window.style().standardIcon(QStyle.StandardPixmap.SP_ArrowBack))
        self.back_action.setToolTip("Back to the previous search (Alt+Left, mouse back button)")
        mouse = MouseNavigation(self.back, self.forward, self)
        for widget in (window, window.view.viewport()):
            widget.installEventFilter(mouse)
        self._enable()

    def _action(
        self, text: str, key: QKeySequence.StandardKey, slot: Callable[[], None]
    ) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts(QKeySequence.keyBindings(key))
        action.triggered.connect(lambda *_: slot())
        self.window.addAction(action)
        return action

    def _enable(self) -> None:
        self.back_action.setEnabled(self.history.can_back())
        self.forward_action.setEnabled(self.history.can_forward())

    def here(self) -> Place | None:
        """The shown place with where the person is in it now (scroll, selection)."""
        if self.showing is None:
            return None
        view = self.window.view
        current = view.current_result()
        return replace(
            self.showing,
            scroll=view.verticalScrollBar().value(),
            selected=tuple(r.item_id for r in view.selected_results()),
            current=current.item_id if current is not None else None,
        )

    def leaving(self, to: Place, typing: bool = False) -> None:
        """A new query for ``to`` starts: remember the place it leaves (once for a run of
        typing; not at all when the grid already shows ``to``, as a refresh may)."""
        continued = typing and self._typing
        self._typing = typing
        here = self.here()
        if here is not None and not continued and not here.same_query(to):
            self.history.push(here)
            self._enable()

    def shown(self, place: Place) -> Place | None:
        """Results for ``place`` are in the grid; returns the place Back asked for when it is
        this one (the caller puts back its selection and scroll position)."""
        self.showing = place
        restoring, self.restoring = self.restoring, None
        if restoring is not None and restoring.same_query(place):
            return restoring
        return None

    def back(self) -> None:
        self._go(self.history.back)

    def forward(self) -> None:
        self._go(self.history.forward)

    def _go(self, step: Callable[[Place], Place | None]) -> None:
        here = self.here()
        place = step(here) if here is not None else None
        self._enable()
        if place is not None:
            self._typing = False
            self.restoring = place
            self.window.go_to(place)

    def restore_scroll(self, place: Place) -> None:
        """Scroll to where the person was, once the grid has laid out its rows."""
        view = self.window.view
        view.doItemsLayout()
        view.verticalScrollBar().setValue(place.scroll)
        QTimer.singleShot(0, lambda: view.verticalScrollBar().setValue(place.scroll))
