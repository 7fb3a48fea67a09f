"""Indexing: scan folders, plan what each file lacks, decode ahead, encode, write.

- ``scan``: walking folders (canonical paths, skips, problems)
- ``plan``: the diff against the store (incremental, retries)
- ``prepare``: the work of decode threads (hash first, decode, preprocess)
- ``pipeline``: bounded look-ahead by segments, batches as transactions, moves
- ``jobs``: :class:`IndexJob` and :class:`SwitchSpaceJob`, as the CLI and the GUI run them
"""

from mmdesk.core.indexing.jobs import IndexJob, SwitchSpaceJob, index_paths
from mmdesk.core.indexing.report import IndexReport

__all__ = ["IndexJob", "IndexReport", "SwitchSpaceJob", "index_paths"]
