"""A shared-server vector backend on Milvus, for when one machine's index is not enough.

The same ``VectorBackend`` seam as the local ANN file, so search code does not know which it
talks to: a collection per (library, space) with the item id as primary key, COSINE metric and
an HNSW index. ``uri`` is a milvus-lite file (``vectors.db``: one process, tests, a trial) or a
server (``http://host:19530``). The SQLite library stays the truth; the collection is derived
and kept in step by item (:func:`sync_from_store` repairs it from the database).

A filter ("only these items") is answered so that every allowed item can come back, whatever
the engine's filtered ANN does with a very selective filter: a few allowed ids are scored
exactly from their stored vectors, a dense allowed set by an oversampled plain search that is
then filtered, and anything between by ``id in [...]`` searches, one per chunk of ids.

pymilvus is imported lazily (the ``server`` extra): the core imports without it.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from mmdesk.core.vector_index import BackendIndex
from mmdesk.errors import MmdeskError
from mmdesk.store.vectors import normalise

if TYPE_CHECKING:
    from mmdesk.core.ann.backend import VectorBackend
    from mmdesk.plugins.registry import Space
    from mmdesk.store import Store

T = TypeVar("T")
# Measured on milvus-lite, 10,000 x 512-d (docs/shared-server.md): fetching vectors costs
# ~0.4 ms an id, an oversampled search ~30-130 ms up to a limit of 2,000.
EXACT_MAX = 256  # allowed sets up to this size are scored exactly from their vectors
DENSE = 0.05  # allowed share of the collection from which a plain search is filtered after
CHUNK = 8192  # ids per ``id in [...]`` expression
TOP_MAX = 16384  # Milvus' largest limit per search
WRITE_ROWS = 2048  # rows per upsert request (well under gRPC's message size)
FLUSH_ROWS = 20_000  # rows written before a flush seals them into indexed segments
HNSW = {"M": 16, "efConstruction": 200}
EF_MAX = 32768  # the largest search-time ef Milvus takes
LIBRARY_KEY = "vector.library_id"  # which library a shared server's collections belong to
LITE_FILE = "vectors-milvus.db"  # the default milvus-lite file, beside the library


class MilvusBackend:
    """One space's vectors in a Milvus collection (created on first use).

    Args:
        uri: a milvus-lite file path (``.db``) or a server address (``http://host:19530``).
        collection: the collection name (see :func:`collection_name`).
        dim: the space's vector size; an existing collection of another size is refused.
        token: ``user:password`` or an API key for a server that asks for one.
    """

    name = "milvus"

    def __init__(self, uri: str, collection: str, dim: int, *, token: str | None = None) -> None:
        self.uri, self.collection, self.dim = uri, collection, int(dim)
        self._client = _connect(uri, token)
        self._unflushed = 0
        try:
            self._call(self._open_collection, "open the collection")
        except MmdeskError:
            self._client.close()
            raise

    @property
    def sync_key(self) -> str:
        """The library setting that says which database change this collection reflects
        (for :func:`sync_from_store`): one per server and collection."""
        return f"vector.synced.{self.collection}@{self.uri}"

    # -- VectorBackend ---------------------------------------------------------------------
    def count(self) -> int:
        rows = self._call(
            lambda: self._client.query(self.collection, filter="", output_fields=["count(*)"]),
            "count vectors",
        )
        return int(rows[0]["count(*)"]) if rows else 0

    def ids(self) -> np.ndarray:
        found = list(self._call(lambda: list(self._iter_ids()), "list item ids"))
        return np.asarray(found, np.int64)

    def upsert(self, item_ids: np.ndarray, vectors: np.ndarray) -> None:
        ids = np.asarray(item_ids, np.int64).reshape(-1)
        if len(ids) == 0:
            return
        rows = normalise(np.asarray(vectors, np.float32).reshape(len(ids), -1))
        if rows.shape[1] != self.dim:
            raise MmdeskError(f"vectors of size {rows.shape[1]} in a {self.dim}-d collection")
        for at in range(0, len(ids), WRITE_ROWS):
            batch = [
                {"id": int(i), "vector": v}
                for i, v in zip(ids[at : at + WRITE_ROWS], rows[at : at + WRITE_ROWS].tolist())
            ]
            self._call(partial(self._client.upsert, self.collection, batch), "write vectors")
        self._wrote(len(ids))

    def remove(self, item_ids: np.ndarray) -> None:
        ids = np.asarray(item_ids, np.int64).reshape(-1).tolist()
        for at in range(0, len(ids), CHUNK):
            part = ids[at : at + CHUNK]
            self._call(partial(self._client.delete, self.collection, ids=part), "delete")
        self._wrote(len(ids))

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        q = normalise(np.asarray(query, np.float32).reshape(1, -1))[0]
        if k <= 0 or (allowed is not None and len(allowed) == 0):
            return _empty()
        if allowed is None:
            return self._ann(q, k)
        allowed = np.asarray(allowed, np.int64)
        if len(allowed) <= EXACT_MAX:
            return self._exact(q, k, allowed)
        held = self.count()
        if held and len(allowed) / held >= DENSE:
            found = self._oversampled(q, k, allowed, held)
            if found is not None:
                return found
        return self._chunked(q, k, allowed)

    def vectors(self, item_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the ids held among ``item_ids``, their unit vectors), as the local backend's."""
        wanted = np.asarray(item_ids, np.int64).reshape(-1)
        if len(wanted) == 0:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        rows = self._call(
            lambda: self._client.get(
                self.collection, ids=wanted.tolist(), output_fields=["id", "vector"]
            ),
            "read vectors",
        )
        ids = np.fromiter((int(r["id"]) for r in rows), np.int64, len(rows))
        matrix = np.asarray([r["vector"] for r in rows], np.float32).reshape(len(rows), self.dim)
        return ids, normalise(matrix)

    def close(self) -> None:
        """Flush what was written and close the connection (again: nothing to do)."""
        if getattr(self, "_closed", False):
            return
        if self._unflushed:
            self._call(partial(self._client.flush, self.collection), "flush")
        self._call(self._client.close, "close the connection")
        self._closed = True

    # -- how each kind of search is answered ---------------------------------------------
    def _ann(self, q: np.ndarray, k: int, expr: str = "") -> tuple[np.ndarray, np.ndarray]:
        limit = min(k, TOP_MAX)
        params = {"metric_type": "COSINE", "params": {"ef": min(max(64, 2 * limit), EF_MAX)}}
        hits = self._call(
            lambda: self._client.search(
                self.collection,
                [q.tolist()],
                limit=limit,
                filter=expr,
                output_fields=["id"],
                search_params=params,
            ),
            "search",
        )[0]
        ids = np.fromiter((int(h["id"]) for h in hits), np.int64, len(hits))
        scores = np.fromiter((float(h["distance"]) for h in hits), np.float32, len(hits))
        return ids, scores

    def _exact(self, q: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score a small allowed set from its stored vectors: every allowed item can win."""
        ids, matrix = self.vectors(allowed)
        return _top(ids, matrix @ q, k) if len(ids) else _empty()

    def _oversampled(
        self, q: np.ndarray, k: int, allowed: np.ndarray, held: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """A dense filter: search wider, keep the allowed; None when too few survive."""
        limit = min(TOP_MAX, int(np.ceil(2 * k * held / len(allowed))) + k)
        ids, scores = self._ann(q, limit)
        keep = np.isin(ids, allowed, assume_unique=True)
        if keep.sum() < min(k, len(allowed)) and len(ids) < held:
            return None
        return ids[keep][:k], scores[keep][:k]

    def _chunked(self, q: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        parts = [
            self._chunk(q, k, allowed[at : at + CHUNK]) for at in range(0, len(allowed), CHUNK)
        ]
        ids = np.concatenate([p[0] for p in parts])
        return _top(ids, np.concatenate([p[1] for p in parts]), k)

    def _chunk(self, q: np.ndarray, k: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One ``id in [...]`` search; scored exactly when the engine's filtered graph walk
        came back short (a selective filter can strand it)."""
        found = self._ann(q, k, _id_filter(ids))
        if len(found[0]) < min(k, len(ids)):
            return self._exact(q, k, ids)
        return found

    # -- plumbing ----------------------------------------------------------------------------
    def _wrote(self, rows: int) -> None:
        """Seal what was written now and then: unsealed rows are searched without the index
        (milvus-lite scans them row by row: 10,000 of them cost 1.5 s a query)."""
        self._unflushed += rows
        if self._unflushed >= FLUSH_ROWS:
            self._call(partial(self._client.flush, self.collection), "flush")
            self._unflushed = 0

    def _open_collection(self) -> None:
        client = self._client
        if client.has_collection(self.collection):
            held = _collection_dim(client.describe_collection(self.collection))
            if held != self.dim:
                raise MmdeskError(
                    f"Milvus collection {self.collection!r} holds {held}-d vectors, "
                    f"not {self.dim}-d: another model wrote it"
                )
        else:
            self._create(client)
        client.load_collection(self.collection)

    def _create(self, client: Any) -> None:
        from pymilvus import DataType

        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
        index = client.prepare_index_params()
        index.add_index(field_name="vector", index_type="HNSW", metric_type="COSINE", params=HNSW)
        client.create_collection(
            self.collection, schema=schema, index_params=index, consistency_level="Session"
        )

    def _iter_ids(self) -> Iterator[int]:
        it = self._client.query_iterator(
            self.collection, batch_size=TOP_MAX, filter="", output_fields=["id"]
        )
        try:
            while batch := it.next():
                yield from (int(r["id"]) for r in batch)
        finally:
            it.close()

    def _call(self, do: Callable[[], T], what: str) -> T:
        """Run one client call; Milvus' own errors become an MmdeskError that says where."""
        from pymilvus.exceptions import MilvusException

        try:
            return do()
        except MilvusException as exc:
            raise MmdeskError(f"Milvus at {self.uri}: cannot {what}: {exc.message}") from exc


def _connect(uri: str, token: str | None) -> Any:
    try:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException
    except ImportError:
        raise MmdeskError(
            "the Milvus vector backend needs pymilvus: pip install 'mmdesk[server]'"
        ) from None
    lite = not re.match(r"^[a-z]+://", uri)
    if lite:
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(uri, token=token or "", timeout=10)
    except MilvusException as exc:
        raise MmdeskError(f"cannot reach Milvus at {uri}: {exc.message}") from exc
    except ImportError:  # a .db path without milvus-lite installed
        raise MmdeskError(
            f"{uri} is a milvus-lite file, which needs milvus-lite: pip install 'mmdesk[server]'"
        ) from None


def _collection_dim(description: Mapping[str, Any]) -> int:
    for field in description.get("fields", []):
        if field.get("name") == "vector":
            return int(field.get("params", {}).get("dim", 0))
    return 0


def _id_filter(ids: np.ndarray) -> str:
    return "id in [" + ",".join(map(str, ids.tolist())) + "]"


def _top(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-scores, kind="stable")[:k]
    return ids[order].astype(np.int64), scores[order].astype(np.float32)


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, np.int64), np.zeros(0, np.float32)


# -- choosing it: library settings -----------------------------------------------------------
def collection_name(space_id: str, library_id: str = "") -> str:
    """A valid Milvus name for a library's space: letters, digits and ``_`` (Milvus' rule),
    with a hash of the exact id so that ``a-b`` and ``a_b`` do not share a collection."""
    digest = hashlib.blake2b(f"{library_id}/{space_id}".encode(), digest_size=4).hexdigest()
    readable = re.sub(r"[^0-9A-Za-z_]", "_", space_id)[:120]
    prefix = (
        f"mmdesk_{re.sub(r'[^0-9A-Za-z_]', '_', library_id)[:40]}_" if library_id else "mmdesk_"
    )
    return f"{prefix}{readable}_{digest}"


def library_id(store: Store) -> str:
    """This library's id on a shared server (item ids are per library), made on first use."""
    found = store.get_setting(LIBRARY_KEY)
    if not found:
        found = uuid.uuid4().hex[:12]
        store.set_setting(LIBRARY_KEY, found)
    return found


def make_backend(
    source: Store | Mapping[str, str],
    space_id: str,
    dim: int,
    *,
    token: str | None = None,
) -> VectorBackend | None:
    """The backend a library's settings choose for a space: a :class:`MilvusBackend` when
    ``vector.backend`` is ``milvus``, None for ``local`` (the caller's own local index).

    ``source`` is the library's store (its settings and id), or a plain mapping of setting
    values (``vector.backend``, ``vector.milvus_uri``, optionally ``vector.library_id``).
    """
    if isinstance(source, Mapping):
        values: Mapping[str, str] = source
        library, beside = values.get(LIBRARY_KEY, ""), None
    else:
        from mmdesk.core.library_settings import get_setting

        values = {k: get_setting(source, k) for k in ("vector.backend", "vector.milvus_uri")}
        if values.get("vector.backend", "local") != "milvus":
            return None  # before the id is made: a read-only library searches locally too
        library, beside = library_id(source), Path(source.path).parent
    if values.get("vector.backend", "local") != "milvus":
        return None
    uri = values.get("vector.milvus_uri", "")
    if not uri:
        if beside is None:
            raise MmdeskError("vector.milvus_uri: name a Milvus server or a milvus-lite file")
        uri = str(beside / LITE_FILE)
    return MilvusBackend(uri, collection_name(space_id, library), dim, token=token)


def sync_from_store(
    backend: VectorBackend, store: Store, encoder_ids: list[str], dim: int, *, key: str = ""
) -> tuple[int, int]:
    """Bring the backend in step with the database, the truth: returns (written, removed).

    With ``key`` (a library setting naming the database change the backend reflects, e.g.
    ``vector.synced.<collection>``) only the items the vectors' change log names since then
    are read and written; without it, or when the log no longer covers that change (pruned,
    or another database), every vector is written and every item the database lacks dropped.
    """
    since = _synced(store, key)
    if since is not None and backend.count() == 0:
        since = None  # the collection was dropped or emptied behind the library's back
    upto = store.embedding_log_seq()  # read first: a change made meanwhile is seen next time
    if since is None:
        ids, matrix = store.load_embeddings(encoder_ids, dim)
        gone = np.setdiff1d(backend.ids(), ids)
    else:
        changed, upto = store.embedding_changes(encoder_ids, since)
        ids, matrix = store.load_embeddings(encoder_ids, dim, changed)
        gone = np.setdiff1d(np.asarray(changed, np.int64), ids)
    backend.upsert(ids, matrix)
    backend.remove(gone)
    position = f"{store.embedding_log_id()}:{upto}"
    if key and store.get_setting(key) != position:
        store.set_setting(key, position)
    return len(ids), len(gone)


def _synced(store: Store, key: str) -> int | None:
    """The change-log position ``key`` says the backend reflects, if the log still covers it."""
    log_id, _, seq = (store.get_setting(key) or "").rpartition(":") if key else ("", "", "")
    if not seq.isdigit() or log_id != store.embedding_log_id():
        return None
    return int(seq) if store.embedding_log_covers(int(seq)) else None


# -- the searcher's view: a space on Milvus as a VectorIndex -----------------------------------
class MilvusIndex(BackendIndex):
    """A :class:`~mmdesk.core.vector_index.VectorIndex` over a Milvus collection."""

    def __init__(self, backend: MilvusBackend) -> None:
        super().__init__(backend)


class MilvusSpace:
    """One space searched on Milvus, caught up from the database before each index."""

    def __init__(self, backend: MilvusBackend, encoder_ids: list[str], dim: int) -> None:
        self.backend, self.encoders, self.dim = backend, encoder_ids, dim

    def index(self, store: Store) -> MilvusIndex:
        """Apply the database's vector changes, then search the collection."""
        sync_from_store(self.backend, store, self.encoders, self.dim, key=self.backend.sync_key)
        return MilvusIndex(self.backend)

    def close(self) -> None:
        self.backend.close()


def milvus_space(store: Store, space: Space, *, token: str | None = None) -> MilvusSpace | None:
    """The Milvus space a library's settings ask for (None: search locally). The searcher's
    hook: ``self.server = milvus_space(store, space)`` once, then ``self.server.index(store)``
    in place of the local index while it is not None."""
    dim = next(iter(space.encoders.values())).dim
    backend = make_backend(store, space.id, dim, token=token)
    if backend is None:
        return None
    assert isinstance(backend, MilvusBackend)
    return MilvusSpace(backend, space.encoder_ids(), dim)
