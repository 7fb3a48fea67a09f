"""Search by text (cross-modal), by example and with filters, over one embedding space."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mmdesk.core.media import read_image_file
from mmdesk.core.vector_index import ExactIndex
from mmdesk.errors import MmdeskError
from mmdesk.plugins.registry import Registry, Space
from mmdesk.store import Store


@dataclass
class Filters:
    """What narrows a search. Empty fields mean no restriction."""

    kinds: list[str] = field(default_factory=list)  # image | video | audio (item kind prefix)
    under: list[str] = field(default_factory=list)  # folder paths
    tags: list[str] = field(default_factory=list)  # items must carry all of them
    min_score: float | None = None
    limit: int = 50
    sort: str = "relevance"  # relevance | date


@dataclass(frozen=True)
class Result:
    """One hit, as the CLI prints it and the GUI shows it."""

    item_id: int
    path: str
    score: float
    kind: str
    start: float | None
    end: float | None
    file: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "score": round(float(self.score), 6),
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "item_id": self.item_id,
            "width": self.file.get("width"),
            "height": self.file.get("height"),
            "taken_at": self.file.get("taken_at"),
        }


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
        results = self.search_vector(
            vector, Filters(**{**filters.__dict__, "limit": filters.limit + 1})
        )
        return [r for r in results if r.item_id != exclude][: filters.limit]

    def _example_vector(self, target: str | int) -> tuple[np.ndarray, int | None]:
        item_id = int(target) if isinstance(target, int) or str(target).isdigit() else None
        if item_id is None:
            path = str(Path(str(target)).expanduser().absolute())
            item_id = self.store.item_for_path(path)
            if item_id is None:
                return self._encode_file(Path(path)), None
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
            Result(
                int(i),
                info[int(i)]["path"],
                float(s),
                info[int(i)]["kind"],
                info[int(i)]["start"],
                info[int(i)]["end"],
                info[int(i)],
            )
            for i, s in zip(ids, scores)
            if int(i) in info
        ]
        if filters.sort == "date":
            results.sort(
                key=lambda r: (r.file.get("taken_at") or "", r.file.get("mtime_ns") or 0),
                reverse=True,
            )
        return results

    def _allowed(self, ids: np.ndarray, filters: Filters) -> np.ndarray | None:
        clauses, params = filter_sql(filters)
        if not clauses:
            return None
        rows = self.store.conn.execute(
            "SELECT i.id FROM items i JOIN files f ON f.id=i.file_id WHERE "
            + " AND ".join(clauses),
            params,
        ).fetchall()
        return np.isin(ids, np.fromiter((r[0] for r in rows), np.int64, len(rows)))


def filter_sql(filters: Filters) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``items i JOIN files f`` for the kind, folder and tag filters."""
    clauses: list[str] = []
    params: list[Any] = []
    if filters.kinds:
        clauses.append("(" + " OR ".join("i.kind LIKE ?" for _ in filters.kinds) + ")")
        params += [f"{k}%" for k in filters.kinds]
    if filters.under:
        parts = []
        for folder in filters.under:
            folder = str(Path(folder).expanduser().absolute()).rstrip("/")
            parts.append("(f.path = ? OR substr(f.path, 1, ?) = ?)")
            params += [folder, len(folder) + 1, folder + "/"]
        clauses.append("(" + " OR ".join(parts) + ")")
    for tag in filters.tags:
        clauses.append(
            "i.id IN (SELECT l.item_id FROM labels l JOIN tags t ON t.id=l.tag_id WHERE t.name = ?)"
        )
        params.append(tag)
    return clauses, params
