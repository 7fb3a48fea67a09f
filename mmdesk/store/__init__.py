"""SQLite storage: one database for files, items, embeddings, texts, tags and labels."""

from mmdesk.store.files import FileRow
from mmdesk.store.filters import ItemFilter
from mmdesk.store.paths import display_path, is_under
from mmdesk.store.store import Store

__all__ = ["FileRow", "ItemFilter", "Store", "display_path", "is_under"]
