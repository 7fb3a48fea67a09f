"""Fixtures for store tests: a fresh library and a helper to add indexed files with items."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mmdesk.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "library.db") as opened:
        yield opened


def add_item(
    store: Store,
    path: str,
    *,
    kind: str = "image",
    status: str = "indexed",
    taken_at: str | None = None,
    mtime_ns: int = 1,
) -> int:
    """An indexed file at ``path`` with one item; returns the item id."""
    with store.transaction():
        file_id = store.upsert_file(
            path,
            size=10,
            mtime_ns=mtime_ns,
            kind=kind,
            status=status,
            content_hash=hashlib.blake2b(os.fsencode(path), digest_size=16).hexdigest(),
            meta={"taken_at": taken_at},
        )
        item_kind = {"image": "image", "video": "video_frame", "audio": "audio_segment"}[kind]
        return store.ensure_item(file_id, item_kind, None if kind == "image" else 0.0)
