"""Sentence embeddings of every text (captions, OCR, transcripts, notes) in the active text
space, so hybrid search can match a query's meaning against what was written or said.

Runs last among the enrichers, after every producer of texts. A text that changes loses its
vector (schema V3's trigger), so the next run embeds exactly the new and the edited texts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mmdesk.core.enrich import register
from mmdesk.core.jobs import Changes, Job
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MmdeskError
from mmdesk.plugins.contributions import TEXT_ENCODER
from mmdesk.plugins.specs import EncoderSpec

if TYPE_CHECKING:
    from mmdesk.core.library import Library

BATCH = 64
EVERYTHING = 1 << 40


def text_encoder(library: Library) -> EncoderSpec | None:
    """The active text space's encoder, or None when no text space is usable."""
    try:
        return library.space("text").encoders["text"]
    except (MmdeskError, KeyError):
        return None


class TextVectorJob:
    """Embed the texts that the active text encoder has not embedded yet."""

    name = "embedding texts"

    def __init__(self, batch: int = BATCH) -> None:
        self.batch = batch
        self.embedded = 0

    def run(self, library: Library, state: TaskState) -> Changes:
        spec = text_encoder(library)
        if spec is None:
            raise MmdeskError("no text model is installed to embed texts with")
        encoder = library.registry.build(TEXT_ENCODER, spec.id)
        todo = library.store.texts_without_vectors(spec.id, EVERYTHING)
        for start in range(0, len(todo), self.batch):
            state.checkpoint()
            chunk = todo[start : start + self.batch]
            vectors = encoder.encode_texts([" ".join(text.split()) for _, text in chunk])
            library.store.put_text_vectors([t for t, _ in chunk], spec.id, np.asarray(vectors))
            self.embedded += len(chunk)
            state.report(self.embedded, len(todo), message=self.name)
        return Changes(items=True) if todo else Changes()


def text_vector_enricher(library: Library) -> Job | None:
    """The embedding job when a text space is active and some text lacks its vector."""
    spec = text_encoder(library)
    if spec is None or not library.store.texts_without_vectors(spec.id, 1):
        return None
    return TextVectorJob()


register("text_vectors", text_vector_enricher)
