"""The built-in ONNX image and text encoders: a manifest's model run by ONNX Runtime.

A text encoder keeps the vectors of short texts (queries, and the fixed prompts search embeds
with them) in ``<cache dir>/queries.sqlite``, keyed by the encoder, its model file and tokenizer
(path, size, mtime) and the text. A repeated query then needs neither the tokenizer nor the
model, which load only on a miss: for a one-shot ``mmdesk search`` the model load is most of
its time. The cache is derived and bounded (least recently used rows go first); any trouble
with it costs only speed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mmdesk.errors import ModelError
from mmdesk.plugins.runtimes.openclip_tokenizer import trim_padding
from mmdesk.plugins.runtimes.preprocess import preprocess_image
from mmdesk.plugins.runtimes.tokenizers import Tokenize, make_tokenizer, tokenizer_key
from mmdesk.plugins.session import LazySession, SessionOptions
from mmdesk.plugins.specs import EncoderSpec
from mmdesk.store.vectors import normalise

log = logging.getLogger(__name__)
CACHE_FILE = "queries.sqlite"
CACHE_ROWS = 10_000  # about 15 MB of 384-d vectors
CACHED_BATCH = 32  # larger batches are item texts being indexed, not queries
CACHED_CHARS = 500


class _OnnxEncoder:
    """Shared lazy session handling: the model loads on first use, once, thread-safely."""

    def __init__(self, spec: EncoderSpec, options: SessionOptions | None = None) -> None:
        self.spec = spec
        self.options = options or SessionOptions()
        self._lazy = LazySession(spec.model_path, self.options, spec.id)

    @property
    def provider(self) -> str | None:
        return self._lazy.provider

    def session(self) -> Any:
        return self._lazy.get()

    def _run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        session = self.session()
        output = self.spec.io.get("output")
        names = [output] if output else None
        try:
            result = session.run(names, feeds)[0]
        except Exception as exc:  # onnxruntime's own error types
            raise ModelError(f"{self.spec.id} failed: {exc}") from exc
        result = np.asarray(result, dtype=np.float32)
        if result.ndim != 2 or result.shape[1] != self.spec.dim:
            raise ModelError(
                f"{self.spec.id} gave shape {result.shape}, manifest says dim {self.spec.dim}"
            )
        return normalise(result)


class OnnxImageEncoder(_OnnxEncoder):
    """Image -> vector. ``preprocess`` runs in decode threads; ``encode`` takes batches."""

    def preprocess(self, image: Image.Image) -> np.ndarray:
        return preprocess_image(image, self.spec.preprocess)

    def preprocessor(self) -> Callable[[Image.Image], np.ndarray]:
        """``preprocess`` as a picklable function of the manifest alone (no session): what
        a decode process runs (mmdesk.core.indexing.processes)."""
        return functools.partial(preprocess_image, cfg=dict(self.spec.preprocess))

    def encode(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros((0, self.spec.dim), np.float32)
        inputs = self.spec.io.get("inputs") or [self.session().get_inputs()[0].name]
        return self._run({inputs[0]: np.ascontiguousarray(batch, dtype=np.float32)})


class OnnxTextEncoder(_OnnxEncoder):
    """Text -> vector, with the tokenizer named in the manifest and the query cache."""

    def __init__(self, spec: EncoderSpec, options: SessionOptions | None = None) -> None:
        super().__init__(spec, options)
        self._tokenizer: Tokenize | None = None
        cache_dir = self.options.cache_dir
        self.cache = QueryCache(cache_dir / CACHE_FILE) if cache_dir is not None else None

    def tokenize(self, texts: list[str]) -> dict[str, np.ndarray]:
        if self._tokenizer is None:
            self._tokenizer = make_tokenizer(self.spec, self.options.cache_dir)
        return dict(self._tokenizer(texts))

    def model_key(self) -> str:
        """What decides this encoder's vectors: id, version, model and tokenizer files."""
        try:
            info = self.spec.model_path.stat()
            stamp = f"{info.st_size}|{info.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        parts = (self.spec.id, self.spec.plugin_version, str(self.spec.model_path.absolute()))
        extra = json.dumps(self.spec.io, sort_keys=True, default=str)
        key = "|".join((*parts, stamp, tokenizer_key(self.spec), extra))
        return hashlib.sha256(key.encode()).hexdigest()

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.spec.dim), np.float32)
        texts = list(texts)
        if self.cache is None or not _cacheable(texts):
            return self._encode(texts)
        model = self.model_key()
        known = self.cache.get(model, texts, self.spec.dim)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            fresh = self._encode(missing)
            new = dict(zip(missing, fresh, strict=True))
            self.cache.put(model, new)
            known.update(new)
        return np.stack([known[t] for t in texts]).astype(np.float32, copy=False)

    def _encode(self, texts: list[str]) -> np.ndarray:
        tokens = self.tokenize(texts)
        if self._trims():
            tokens["input_ids"] = trim_padding(tokens["input_ids"], self._pad_id())
        wanted = [i.name for i in self.session().get_inputs()]
        feeds = {}
        for name in wanted:
            if name in tokens:
                feeds[name] = tokens[name]
            elif name == "token_type_ids":
                feeds[name] = np.zeros_like(tokens["input_ids"])
            elif name == "attention_mask":
                feeds[name] = (tokens["input_ids"] != self._pad_id()).astype(np.int64)
            else:
                raise ModelError(
                    f"{self.spec.id}: model input {name!r} is not produced by the tokenizer"
                )
        return self._run(feeds)

    def _pad_id(self) -> int:
        return int(self.spec.tokenizer.get("pad_id", 0))

    def _trims(self) -> bool:
        """Whether open_clip ids go in cut to the batch's longest text: only when the manifest
        says ``pad = "longest"`` (exports whose causal text model allows it) and the model's
        sequence axis is not fixed. A causal model pooled at the end token gives the same
        vectors; 77 padded positions cost several times the compute of a short query."""
        cfg = self.spec.tokenizer
        if cfg.get("kind") != "openclip" or cfg.get("pad") != "longest":
            return False
        shape = self.session().get_inputs()[0].shape
        return len(shape) == 2 and not isinstance(shape[1], int)


def _cacheable(texts: list[str]) -> bool:
    return len(texts) <= CACHED_BATCH and all(len(t) <= CACHED_CHARS for t in texts)


class QueryCache:
    """(model key, text) -> float32 vector in one SQLite file, at most ``rows`` rows.

    Shared by processes (WAL, short busy timeout) and threads (one connection, a lock). Any
    SQLite or file error turns the cache off for this process, with one log line."""

    def __init__(self, path: Path, rows: int = CACHE_ROWS) -> None:
        self.path, self.rows = path, rows
        self._db: sqlite3.Connection | None = None
        self._off = False
        self._lock = threading.Lock()

    def get(self, model: str, texts: list[str], dim: int) -> dict[str, np.ndarray]:
        """The cached vectors of those ``texts`` that have one (marked as just used)."""
        wanted = list(dict.fromkeys(texts))
        marks = ",".join("?" * len(wanted))
        sql = f"SELECT text, vector FROM queries WHERE model = ? AND text IN ({marks})"
        found: dict[str, np.ndarray] = {}
        with self._lock:
            db = self._connect()
            if db is None:
                return found
            try:
                for text, blob in db.execute(sql, (model, *wanted)):
                    if isinstance(blob, bytes) and len(blob) == 4 * dim:
                        found[text] = np.frombuffer(blob, np.float32)
                now = time.time()
                db.executemany(
                    "UPDATE queries SET used = ? WHERE model = ? AND text = ?",
                    [(now, model, t) for t in found],
                )
            except sqlite3.Error as exc:
                self._fail(exc)
        return found

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Keep ``vectors``; then drop the least recently used rows beyond the bound."""
        now = time.time()
        rows = [(model, t, np.asarray(v, np.float32).tobytes(), now) for t, v in vectors.items()]
        with self._lock:
            db = self._connect()
            if db is None:
                return
            try:
                db.executemany("INSERT OR REPLACE INTO queries VALUES (?, ?, ?, ?)", rows)
                (count,) = db.execute("SELECT count(*) FROM queries").fetchone()
                if count > self.rows:
                    db.execute(
                        "DELETE FROM queries WHERE rowid IN "
                        "(SELECT rowid FROM queries ORDER BY used LIMIT ?)",
                        (count - self.rows,),
                    )
            except sqlite3.Error as exc:
                self._fail(exc)

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None or self._off:
            return self._db
        for attempt in (1, 2):
            try:
                self._db = _open_cache(self.path)
                break
            except sqlite3.DatabaseError as exc:  # not a database (any more): start afresh
                if attempt == 2 or isinstance(exc, sqlite3.OperationalError):
                    self._fail(exc)
                    break
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            except (sqlite3.Error, OSError) as exc:
                self._fail(exc)
                break
        return self._db

    def _fail(self, exc: Exception) -> None:
        log.info("query cache %s turned off: %s", self.path, exc)
        self._off = True
        if self._db is not None:
            self._db.close()
            self._db = None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _open_cache(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=0.2, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(
            "CREATE TABLE IF NOT EXISTS queries (model TEXT NOT NULL, text TEXT NOT NULL,"
            " vector BLOB NOT NULL, used REAL NOT NULL, PRIMARY KEY (model, text))"
        )
        db.execute("CREATE INDEX IF NOT EXISTS queries_used ON queries (used)")
    except BaseException:
        db.close()
        raise
    return db
