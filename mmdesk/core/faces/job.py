"""Finding the faces in pictures as a job: detect, embed, store, then place the new faces.

Each picture is looked at once per analyser (a photo without faces too), so a re-run costs
only the new pictures. Pictures are decoded at a working size (about ``MIN_SIDE`` on the
shorter side) and the boxes scaled back to the upright picture's full-size pixels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmdesk.core.faces import ITEM_KINDS, analyser_id, faces_enabled
from mmdesk.core.faces.people import place_new_faces
from mmdesk.core.jobs import Changes
from mmdesk.core.media import read_image_file
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MediaError, MmdeskError
from mmdesk.plugins.contributions import FACE_ANALYSER
from mmdesk.plugins.protocols import Face, FaceAnalyser
from mmdesk.store.faces import FaceRow

if TYPE_CHECKING:
    from mmdesk.core.library import Library

MIN_SIDE = 800
BATCH = 8
EVERYTHING = 1 << 40


class FacesJob:
    """Find the faces of the pictures the analyser has not looked at (or of ``item_ids``, or
    of every picture with ``redo``), then group the new faces into people."""

    name = "finding faces"

    def __init__(
        self, item_ids: list[int] | None = None, *, redo: bool = False, batch: int = BATCH
    ) -> None:
        self.item_ids = item_ids
        self.redo = redo
        self.batch = batch
        self.looked = self.found = 0

    def run(self, library: Library, state: TaskState) -> Changes:
        if not faces_enabled(library):
            raise MmdeskError("faces are turned off: `mmdesk settings faces on` turns them on")
        producer = analyser_id(library)
        if producer is None:
            raise MmdeskError("no face analyser is installed (the bundled one is 'faces')")
        analyser = library.registry.build(FACE_ANALYSER, producer)
        store = library.store
        if self.redo or self.item_ids is not None:
            store.forget_face_passes(producer, self.item_ids)
        todo = store.items_without_faces(producer, ITEM_KINDS, EVERYTHING)
        if self.item_ids is not None:
            todo = [i for i in todo if i in set(self.item_ids)]
        changes = Changes()
        for start in range(0, len(todo), self.batch):
            state.checkpoint()
            found = _analyse(library, analyser, todo[start : start + self.batch])
            store.replace_faces(producer, found)
            self.looked += len(found)
            self.found += sum(len(faces) for _, faces in found)
            state.report(self.looked, len(todo), message=self.name)
            changes |= Changes(items=True)
        if todo:
            place_new_faces(library, analyser.spec.match_distance, analyser.spec.dim)
            changes |= Changes(items=True, tags=True)
        return changes


def _analyse(
    library: Library, analyser: FaceAnalyser, item_ids: list[int]
) -> list[tuple[int, list[FaceRow]]]:
    """Each item's faces (none when its file cannot be read: the index reports that)."""
    info = library.store.items_info(item_ids)
    images, sizes, readable = [], [], []
    for item in item_ids:
        try:
            decoded = read_image_file(info[item]["path"], min_side=MIN_SIDE)
        except (KeyError, MediaError):
            continue
        images.append(decoded.image)
        width = int(decoded.meta.get("width") or decoded.image.width)
        height = int(decoded.meta.get("height") or decoded.image.height)
        sizes.append((decoded.image.width, width, height))
        readable.append(item)
    faces = analyser.analyse(images) if images else []
    rows = {
        item: [_row(face, *size) for face in found]
        for item, found, size in zip(readable, faces, sizes, strict=True)
    }
    return [(item, rows.get(item, [])) for item in item_ids]


def _row(face: Face, decoded_width: int, width: int, height: int) -> FaceRow:
    """A face in full-size pixels of the upright picture, with its share of the picture."""
    scale = width / decoded_width if decoded_width else 1.0
    x, y, w, h = (round(v * scale, 1) for v in face.box)
    area = min(1.0, (w * h) / float(width * height)) if width and height else 0.0
    return FaceRow((x, y, w, h), round(face.score, 4), round(area, 5), face.embedding)
