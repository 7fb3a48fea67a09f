"""The Library's people operations (a mixin for :class:`mmdesk.core.library.Library`), so
front ends call ``library.people()`` like every other operation. Each method delegates to
:mod:`mmdesk.core.faces.people`, whose functions take the library and work without it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mmdesk.core.faces import people as ops
from mmdesk.core.jobs import Changes

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.core.search.results import Result
    from mmdesk.core.tasks import TaskState


class PeopleOps:
    """People found in the library's photos: list, name, merge, split, their photos."""

    def _lib(self) -> Library:
        return self  # type: ignore[return-value]

    def people(self) -> list[dict[str, Any]]:
        return ops.people(self._lib())

    def name_person(self, person_id: int, name: str) -> Changes:
        return ops.name_person(self._lib(), person_id, name)

    def merge_people(self, keep: int, other: int) -> Changes:
        return ops.merge_people(self._lib(), keep, other)

    def split_person(self, person_id: int, face_ids: list[int]) -> tuple[int, Changes]:
        return ops.split_person(self._lib(), person_id, face_ids)

    def photos_of(self, person_id: int) -> list[Result]:
        return ops.photos_of(self._lib(), person_id)

    def more_photos_of(self, person_id: int, limit: int = 100) -> list[Result]:
        return ops.more_photos_of(self._lib(), person_id, limit)

    def faces_for(self, item_id: int) -> list[dict[str, Any]]:
        """An item's faces with their boxes and people, for the preview."""
        return self._lib().store.faces_for(item_id)

    def items_with_faces(self) -> list[int]:
        """The items in which faces were found, in id order."""
        return sorted(self._lib().store.face_stats())

    def find_faces(
        self,
        item_ids: list[int] | None = None,
        *,
        redo: bool = False,
        state: TaskState | None = None,
    ) -> Changes:
        from mmdesk.core.faces.job import FacesJob

        return self._lib().run(FacesJob(item_ids, redo=redo), state)

    def set_faces_enabled(self, enabled: bool) -> Changes:
        return ops.set_faces_enabled(self._lib(), enabled)
