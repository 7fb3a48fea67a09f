"""Faces: found in pictures while indexing, grouped into people, named by a person.

Everything stays on this machine: detection and embeddings run locally (the bundled ``faces``
plugin), faces live only in the library's database, and the library setting ``faces`` (on by
default) turned off deletes every face and person at once. A named person's name is a tag on
their photos, so search filters, training and backups see it like any other tag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmdesk.plugins.contributions import FACE_ANALYSER

if TYPE_CHECKING:
    from mmdesk.core.library import Library

SETTING, ANALYSER_SETTING = "faces", "faces.analyser"
ITEM_KINDS = ("image",)  # video frames: a later pass (the frames are not decoded here)


def faces_enabled(library: Library) -> bool:
    """Whether indexing looks for faces (the ``faces`` library setting, on by default)."""
    return library.store.get_setting(SETTING, "on") != "off"


def forget_faces_if_off(library: Library) -> bool:
    """With faces turned off, delete every face and person left (a setting changed without
    :func:`~mmdesk.core.faces.people.set_faces_enabled`); True if some were deleted."""
    store = library.store
    if faces_enabled(library) or not (store.face_count() or store.people_rows()):
        return False
    store.delete_all_faces()
    return True


def analyser_id(library: Library) -> str | None:
    """The face analyser in use: the one the library names, else the first installed one."""
    from mmdesk.core.enrich import chosen

    return chosen(library, FACE_ANALYSER, ANALYSER_SETTING)
