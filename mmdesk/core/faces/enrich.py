"""The faces enricher: after every index run, find the faces in new pictures.

It runs when the library setting ``faces`` is on (the default), a face analyser is installed
and some picture has not been looked at; otherwise it costs one small query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmdesk.core.enrich import register
from mmdesk.core.faces import ITEM_KINDS, analyser_id, faces_enabled, forget_faces_if_off
from mmdesk.core.faces.job import FacesJob
from mmdesk.core.jobs import Job
from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.core.library import Library


def faces_enricher(library: Library) -> Job | None:
    """The faces job when faces are on, an analyser is installed and a picture is new. With
    faces off, any faces left are deleted here (indexing runs on the writer)."""
    if not faces_enabled(library):
        forget_faces_if_off(library)
        return None
    try:
        producer = analyser_id(library)
    except MmdeskError:
        return None
    if producer is None or not library.store.items_without_faces(producer, ITEM_KINDS, 1):
        return None
    return FacesJob()


register("faces", faces_enricher)
