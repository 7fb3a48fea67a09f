"""The Store: one SQLite database holding files, items, embeddings, texts, tags and labels.

Each concern lives in its own module as a mixin over one shared connection (base.py); this
class only composes them and opens the file. A Store belongs to one thread: the indexer and
the GUI's writer each open their own, readers can open more (WAL lets them read while one
writer writes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmdesk.store import connection
from mmdesk.store.captions import CaptionsMixin
from mmdesk.store.classifiers import ClassifiersMixin
from mmdesk.store.embeddings import EmbeddingsMixin
from mmdesk.store.faces import FacesMixin
from mmdesk.store.files import FileRow, FilesMixin
from mmdesk.store.filters import FiltersMixin
from mmdesk.store.items import ItemsMixin
from mmdesk.store.labels import LabelsMixin
from mmdesk.store.orientation import OrientationMixin
from mmdesk.store.settings import SettingsMixin
from mmdesk.store.summary import SummaryMixin
from mmdesk.store.text_vectors import TextVectorsMixin
from mmdesk.store.texts import TextsMixin
from mmdesk.store.transcripts import TranscriptsMixin

__all__ = ["FileRow", "Store"]


class Store(
    FilesMixin,
    ItemsMixin,
    EmbeddingsMixin,
    TextsMixin,
    TranscriptsMixin,
    CaptionsMixin,
    TextVectorsMixin,
    LabelsMixin,
    ClassifiersMixin,
    FacesMixin,
    FiltersMixin,
    SettingsMixin,
    OrientationMixin,
    SummaryMixin,
):
    """Domain operations over the database. Every method that writes is one transaction.

    Args:
        path: the library file (created with the current schema when absent).
        read_only: open for reading only (also chosen by itself when the file or its folder
            is not writable); writes then raise ReadOnlyStoreError.
        backups_dir: where the backup taken before a migration goes (default
            ``<folder of path>/backups``).
        one_shot: for a process that reads and ends (a CLI query): read-only, no
            ``quick_check``, no write; a schema older than ours opens (migrating) as usual.
    """

    one_shot = False  # opened for one read by a process that then ends (see __init__)

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        backups_dir: Path | None = None,
        one_shot: bool = False,
    ) -> None:
        path = Path(path)
        self.backups_dir = backups_dir or path.parent / "backups"
        self.one_shot = one_shot
        opened = connection.open_db(
            path, read_only=read_only, before_migrate=self._before, one_shot=one_shot
        )
        self._attach(path, opened)

    def _before(self, path: Path, version: int) -> None:
        """Back up a person's data before a migration touches it."""
        from mmdesk.store import backup

        backup.make_backup(path, self.backups_dir, f"before-migration-v{version}")

    def check(self) -> None:
        """Full ``PRAGMA quick_check`` whatever the size; raises StoreCorruptError on damage."""
        connection.check_integrity(self.conn, self.path, force=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
