"""SQLite storage: one database for files, items, embeddings, texts, tags and labels."""

from mmdesk.store.store import FileRow, Store

__all__ = ["FileRow", "Store"]
