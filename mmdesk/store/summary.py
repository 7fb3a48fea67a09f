"""Counts for `status`, the sidebar and the status bar."""

from __future__ import annotations

from typing import Any

from mmdesk.store.base import StoreBase


class SummaryMixin(StoreBase):
    """Whole-library counts in a few queries."""

    def counts(self) -> dict[str, Any]:
        """Files by status, items by kind, vectors per encoder, tags and folders."""
        by_status = dict(self._sql("SELECT status, COUNT(*) FROM files GROUP BY status"))
        by_kind = {
            str(k): int(n)
            for k, n in self._sql(
                "SELECT i.kind, COUNT(*) FROM items i JOIN files f ON f.id=i.file_id "
                "WHERE f.status='indexed' GROUP BY i.kind"
            )
        }
        per_encoder = dict(self._sql("SELECT encoder, COUNT(*) FROM embeddings GROUP BY encoder"))
        return {
            "files": int(by_status.get("indexed", 0)),
            "items": sum(by_kind.values()),
            "errors": int(by_status.get("error", 0)),
            "missing": int(by_status.get("missing", 0)),
            "pending": int(by_status.get("pending", 0)),
            "items_by_kind": by_kind,
            "embeddings": per_encoder,
            "tags": int(self.scalar("SELECT COUNT(*) FROM tags") or 0),
            "folders": int(self.scalar("SELECT COUNT(*) FROM folders") or 0),
        }
