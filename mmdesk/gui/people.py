"""The People section's behaviour: who is in the library, their face thumbnails, and what a
click or the context menu asks for.

The window installs it once (``self.people_view = PeopleView(self)``). It follows the runner's
Changes with its own :class:`~mmdesk.gui.feeds.Feed`, reads the people list on the window's
Library (a small read, like the sidebar's counts), crops face thumbnails in the pool, shows a
person's photos by a read on the reader thread, and sends naming and merging to the writer.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QInputDialog, QLineEdit

from mmdesk.core.faces import people as ops
from mmdesk.core.jobs import Changes
from mmdesk.core.library import Library
from mmdesk.gui.feeds import Feed
from mmdesk.gui.history import Place
from mmdesk.gui.sidebar import PersonNameRole

if TYPE_CHECKING:
    from mmdesk.core.search.results import Result
    from mmdesk.gui.window import MainWindow

THUMB = 40  # pixels of a face thumbnail in the sidebar
MARGIN = 0.25  # of the face box's size, kept round the face


def face_crop(path: str, box: list[float], edge: int = THUMB) -> bytes:
    """A square PNG of the face in ``box`` (pixels of the upright picture), for a thumbnail."""
    from PIL import Image, ImageOps

    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened) or opened
        x, y, w, h = box
        pad = max(w, h) * MARGIN
        side = max(w, h) + 2 * pad
        cx, cy = x + w / 2, y + h / 2
        crop = image.convert("RGB").crop(
            (int(cx - side / 2), int(cy - side / 2), int(cx + side / 2), int(cy + side / 2))
        )
    out = io.BytesIO()
    crop.resize((edge, edge), Image.Resampling.BILINEAR).save(out, "PNG")
    return out.getvalue()


def wants_refresh(changes: Changes) -> bool:
    """People may differ after new faces (items), names (tags, labels) or removed photos."""
    return bool(changes.items or changes.tags or changes.labels or changes.removed)


class PeopleView(QObject):
    """Fills the sidebar's People section and answers its requests."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.sidebar = window.sidebar
        self._icons: dict[tuple[str, tuple[float, ...]], QIcon] = {}
        self.feed = Feed(window.runner, wants_refresh, self.refresh, gap_s=0.5, parent=self)
        window.feeds.append(self.feed)
        self.sidebar.person_clicked.connect(self.show_photos)
        self.sidebar.more_of_person_requested.connect(self.show_more)
        self.sidebar.name_person_requested.connect(self.ask_name)
        self.sidebar.merge_person_requested.connect(self.merge)
        self.showing: int | None = None  # the person whose photos the grid shows
        self._asked = Place()  # the place of the person's photos last asked for
        window.results_shown.connect(self._results_replaced)
        self.refresh()

    def refresh(self, _: Changes | None = None) -> None:
        """Re-read the people on the reader (never on the GUI thread: it groups every face
        of the library) and show them, each with their largest face."""
        self.window.runner.read(ops.people, self._show_people, lambda _: None, key="people")

    def _show_people(self, people: list[dict[str, Any]]) -> None:
        self.sidebar.set_people(people)
        entries = self.sidebar.person_items()
        for person in people:
            if person["cover"] is not None and person["id"] in entries:
                self._thumbnail(person["id"], person["cover"])

    def _thumbnail(self, person_id: int, cover: dict[str, Any]) -> None:
        key = (cover["path"], tuple(cover["box"]))
        if key in self._icons:
            self._set_icon(person_id, self._icons[key])
            return

        def done(data: bytes) -> None:
            pixmap = QPixmap()
            if pixmap.loadFromData(data):
                self._icons[key] = QIcon(pixmap)
                self._set_icon(person_id, self._icons[key])

        path, box = cover["path"], list(cover["box"])
        self.window.runner.compute(lambda: face_crop(path, box), done, lambda _: None)

    def _set_icon(self, person_id: int, icon: QIcon) -> None:
        entry = self.sidebar.person_items().get(person_id)
        if entry is not None:
            entry.setIcon(0, icon)

    def show_photos(self, person_id: int) -> None:
        """The person's photos in the grid (a read, under the search's key: a newer search
        replaces it); while they are shown, "Not <person>" on selected photos splits those
        faces off into a person of their own. A step in the window's history: Back returns
        to what the grid showed before, and from a later search Back returns here."""
        self.window.navigation.leaving(self._place(person_id))
        self.photos(person_id)

    def photos(self, person_id: int) -> None:
        """The person's photos in the grid, leaving no step behind (Back / Forward ask)."""
        self._ask(self._place(person_id))
        label = f"Photos of {self._name(person_id)}"
        self._show(lambda lib: ops.photos_of(lib, person_id), label, person_id)

    def show_more(self, person_id: int) -> None:
        """Photos with faces like the person's that are not theirs yet, nearest first: a
        step in the window's history, as the person's photos are."""
        self.window.navigation.leaving(self._place(person_id, more=True))
        self.more(person_id)

    def more(self, person_id: int) -> None:
        """The photos like the person's, leaving no step behind (Back / Forward ask)."""
        self._ask(self._place(person_id, more=True))
        label = f"More photos like {self._name(person_id)}"
        self._show(lambda lib: ops.more_photos_of(lib, person_id), label)

    def _place(self, person_id: int, more: bool = False) -> Place:
        """The person's photos as a place in the history, with the filters kept beside them
        (the sidebar's and the search bar's, in force again when Back returns)."""
        here = self.window._place()
        return replace(here, query="", similar=None, weak=False, person=person_id, more=more)

    def _ask(self, place: Place) -> None:
        """The grid is about to show ``place``: the words and the similarity target of the
        search before it no longer apply (the search box shows no stale words)."""
        self._asked = place
        self.window.leave_query()

    def showing_name(self) -> str:
        return self._name(self.showing) if self.showing is not None else ""

    def split_selected(self) -> None:
        """The selected photos are not the person shown: their faces of that person become a
        new person (a wrongly grouped face is corrected without renaming anyone)."""
        person, items = self.showing, [r.item_id for r in self.window.view.selected_results()]
        if person is None or not items:
            return

        def split(lib: Library) -> Changes:
            faces = [
                int(f["id"])
                for item in items
                for f in lib.faces_for(item)
                if f.get("person_id") == person
            ]
            if not faces:
                return Changes()
            _, changes = ops.split_person(lib, person, faces)
            return changes

        self.window.runner.write(split, lambda _: self.show_photos(person))
        self.window.say(f"{len(items)} photo(s) are not {self._name(person)}")

    def _results_replaced(self, *_: object) -> None:
        """A search filled the grid: it no longer shows one person's photos."""
        self.showing = None

    def _show(
        self, read: Callable[[Library], list[Result]], label: str, person: int | None = None
    ) -> None:
        self.window.runner.read(
            read,
            lambda found: self._shown(found, label, person),
            self.window.show_error,
            key="search",
        )

    def _shown(self, results: list[Result], label: str, person: int | None = None) -> None:
        self.showing = person
        window = self.window
        back_to = window.navigation.shown(self._asked)
        window.model.set_results(results)
        if back_to is not None:  # Back or Forward: where the person was in these photos
            window._reselect(set(back_to.selected), back_to.current)
            window.navigation.restore_scroll(back_to)
        window.update_preview()
        self.window.say(f"{label}: {len(results)} photo{'' if len(results) == 1 else 's'}")

    def ask_name(self, person_id: int) -> None:
        current = self._name(person_id, default="")
        name, ok = QInputDialog.getText(
            self.window,
            "Name this person",
            "Name (their photos get this tag):",
            QLineEdit.EchoMode.Normal,
            current,
        )
        if ok and name.strip():
            self.name(person_id, name.strip())

    def name(self, person_id: int, name: str) -> None:
        """Name a person on the writer; the views follow from the Changes."""
        self.window.runner.write(lambda lib: ops.name_person(lib, person_id, name))
        self.window.say(f"Named {name}")

    def merge(self, into: int, person_id: int) -> None:
        """Merge ``person_id`` into ``into`` on the writer."""
        self.window.runner.write(lambda lib: ops.merge_people(lib, into, person_id))

    def _name(self, person_id: int, default: str | None = None) -> str:
        entry = self.sidebar.person_items().get(person_id)
        named = entry.data(0, PersonNameRole) if entry is not None else None
        if named:
            return str(named)
        return default if default is not None else f"person {person_id}"
