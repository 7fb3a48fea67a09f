"""Search by text (cross-modal) and by example over one embedding space."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from mmdesk.core.media import read_image_file
from mmdesk.core.paths import lookup_forms
from mmdesk.core.search.filters import Filters
from mmdesk.core.search.results import Result
from mmdesk.core.vector_index import ExactIndex
from mmdesk.errors import MmdeskError
from mmdesk.plugins.registry import Registry, Space
from mmdesk.store import Store


class Searcher:
    """Holds a cached index of one space's vectors; rebuilt when the store changes."""

    def __init__(self, store: Store, registry: Registry, space: Space) -> None:
        self.store = store
        self.registry = registry
        self.space = space
        self._index: ExactIndex | None = None
        self._generation = -1
        self._lock = threading.Lock()

    def index(self) -> ExactIndex:
        generation = self.store.generation()
        with self._lock:
            if self._index is None or generation != self._generation:
                dim = next(iter(self.space.encoders.values())).dim
                ids, matrix = self.store.load_embeddings(self.space.encoder_ids(), dim)
                self._index, self._generation = ExactIndex(ids, matrix), generation
            return self._index

    def text_vector(self, text: str) -> np.ndarray:
        encoder = self.registry.encoder(self.space.encoders["text"].id)
        return np.asarray(encoder.encode_texts([text])[0])

    def search_text(self, text: str, filters: Filters | None = None) -> list[Result]:
        if not text.strip():
            raise MmdeskError("type something to search for")
        return self.search_vector(self.text_vector(text), filters)

    def similar(self, target: str | int, filters: Filters | None = None) -> list[Result]:
        """'More like this': an item id, a library file, or any image file on disk."""
        vector, exclude = self._example_vector(target)
        filters = filters or Filters()
        wider = Filters(**{**filters.__dict__, "limit": filters.limit + 1})
        results = self.search_vector(vector, wider)
        return [r for r in results if r.item_id != exclude][: filters.limit]

    def _example_vector(self, target: str | int) -> tuple[np.ndarray, int | None]:
        item_id = int(target) if isinstance(target, int) or str(target).isdigit() else None
        if item_id is None:
            forms = lookup_forms(str(target))
            item_id = next((i for f in forms if (i := self.store.item_for_path(f))), None)
            if item_id is None:
                return self._encode_file(Path(forms[0])), None
        vector = self.index().vector(item_id)
        if vector is None:
            raise MmdeskError(f"item {item_id} has no vector in space {self.space.id}")
        return vector, item_id

    def _encode_file(self, path: Path) -> np.ndarray:
        spec = self.space.encoders.get("image")
        if spec is None:
            raise MmdeskError(f"space {self.space.id} cannot encode images")
        encoder = self.registry.encoder(spec.id)
        tensor = encoder.preprocess(read_image_file(path).image)
        return np.asarray(encoder.encode(tensor[None])[0])

    def search_vector(self, vector: np.ndarray, filters: Filters | None = None) -> list[Result]:
        filters = filters or Filters()
        index = self.index()
        allowed = self._allowed(index.ids, filters)
        ids, scores = index.search(vector, filters.limit, allowed)
        if filters.min_score is not None:
            keep = scores >= filters.min_score
            ids, scores = ids[keep], scores[keep]
        info = self.store.items_info(ids.tolist())
        results = [
            Result.from_row(info[int(i)], float(s))
            for i, s in zip(ids, scores, strict=True)
            if int(i) in info
        ]
        if filters.sort == "date":
            results.sort(key=lambda r: r.dated, reverse=True)
        return results

    def _allowed(self, ids: np.ndarray, filters: Filters) -> np.ndarray | None:
        if not filters.narrows:
            return None
        return np.isin(ids, self.store.filtered_item_ids(filters.item_filter()))


class SoundSearcher(Searcher):
    """The sound space's searcher: "more like this sound" for an indexed sound (a whole
    track; a transcript segment stands for its file's track) or any audio file on disk, and
    text queries when the space can embed text (a CLAP model)."""

    @property
    def embeds_text(self) -> bool:
        return "text" in self.space.encoders

    def _example_vector(self, target: str | int) -> tuple[np.ndarray, int | None]:
        if isinstance(target, int) or str(target).isdigit():
            whole = self.store.whole_sound_of(int(target))
            if whole is not None:
                target = whole
        return super()._example_vector(target)

    def _encode_file(self, path: Path) -> np.ndarray:
        from mmdesk.core.media.audio import SOUND_RATE, sound_excerpt

        spec = self.space.encoders.get("audio")
        if spec is None:
            raise MmdeskError(f"space {self.space.id} cannot encode sounds")
        encoder = self.registry.encoder(spec.id)
        return np.asarray(encoder.encode_audio(sound_excerpt(str(path)), SOUND_RATE))
