"""Search by text (cross-modal) and by example over one embedding space.

A small space is searched exactly from vectors loaded whole (reloaded when the store's
generation moves). From ``ANN_MIN`` vectors on, the space's persistent ANN index
(:mod:`mmdesk.core.ann`, files in ``<data dir>/index/``) answers: it is caught up from the
vectors' change log before each search instead of reloading the space, and while it is built
(in the background, resumable) the exact index answers.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from mmdesk.core.ann.facets import Facets
from mmdesk.core.ann.milvus import milvus_space
from mmdesk.core.ann.space import AnnSpace
from mmdesk.core.media import read_image_file
from mmdesk.core.paths import lookup_forms
from mmdesk.core.search.filters import Filters
from mmdesk.core.search.results import Result
from mmdesk.core.vector_index import AnnIndex, ExactIndex, VectorIndex
from mmdesk.errors import MmdeskError
from mmdesk.plugins.registry import Registry, Space
from mmdesk.store import Store

ANN_MIN = 20_000  # vectors from which a space gets a persistent ANN index


class Searcher:
    """Holds one space's index: exact and cached for a small space, else the ANN file."""

    def __init__(self, store: Store, registry: Registry, space: Space) -> None:
        self.store = store
        self.registry = registry
        self.space = space
        self._index: VectorIndex | None = None
        self._version = (-1, -1)
        self._lock = threading.Lock()
        dim = next(iter(space.encoders.values())).dim
        folder = Path(store.path).parent / "index"
        self.ann = AnnSpace(folder, _file_name(space.id), space.encoder_ids(), dim)
        self.facets = Facets()  # read once the space is big enough for its ANN index
        # A shared Milvus server when the library's `vector.backend` setting says so.
        self.server = milvus_space(store, space)

    def index(self) -> VectorIndex:
        version = (self.store.generation(), self.ann.epoch)
        with self._lock:
            if self._index is None or version != self._version:
                self._index = self._fresh_index()
                self._version = (version[0], self.ann.epoch)
            return self._index

    def _fresh_index(self) -> VectorIndex:
        if self.server is not None:
            return self.server.index(self.store)
        if self.ann.backend is not None:
            self.ann.catch_up(self.store)  # drops the backend if the log was pruned past it
        if self.ann.backend is None and not self.ann.busy:
            self._open_ann()  # saved by us earlier, or by another library instance
        if self.ann.backend is not None:
            if not self.store.one_shot:  # seconds at 1M: a one-shot query's SQL filters
                self.facets.start(Path(self.store.path))
            self.facets.catch_up(self.store, self.space.encoder_ids())  # before a prune
            return AnnIndex(self.ann)
        dim = self.ann.dim
        ids, matrix = self.store.load_embeddings(self.space.encoder_ids(), dim)
        if len(ids) >= ANN_MIN and not self.ann.busy and not self.store.read_only:
            self.ann.build(self.store.path)
        return ExactIndex(ids, matrix)

    def _open_ann(self) -> bool:
        try:
            return self.ann.open(self.store)
        except OSError:
            return False

    def close(self) -> None:
        """Stop a background build (it resumes next time)."""
        self.ann.close()
        if self.server is not None:
            self.server.close()

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
        ids, scores = index.search_ids(vector, filters.limit, self.allowed_ids(filters))
        if filters.min_score is not None:
            keep = scores >= filters.min_score
            ids, scores = ids[keep], scores[keep]
        info = self.store.items_info(ids.tolist())
        results = [
            Result.from_row(info[int(i)], float(s))
            for i, s in zip(ids, scores, strict=True)
            if int(i) in info
        ]
        if filters.date_order:
            results.sort(key=lambda r: r.dated, reverse=filters.date_order == "newest")
        return results

    def allowed_ids(self, filters: Filters) -> np.ndarray | None:
        """The sorted item ids that pass the filters, or None when they do not narrow: from
        the facets beside a big space's index when they can say, else from the store (which
        keeps the last few sets until the database changes)."""
        if not filters.narrows:
            return None
        item_filter = filters.item_filter()
        if self.facets.ready:  # a big space: kinds and dates as masks, not SQL over all files
            self.facets.catch_up(self.store, self.space.encoder_ids())
            found = self.facets.allowed(self.store, item_filter)
            if found is not None:
                return found
        return self.store.filtered_item_ids(item_filter)


def _file_name(space_id: str) -> str:
    """A space id as a safe file name stem."""
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in space_id)


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
