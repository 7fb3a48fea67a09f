"""Library folders that keep themselves current: events -> debounced batches -> index jobs.

- ``batch``: :class:`Batch` (what changed) and the thread-safe :class:`Debouncer`
- ``watcher``: :class:`FolderWatcher`, watchdog's native observer or polling (network file
  systems, inotify limits), offline folders, the periodic light rescan
- ``job``: :class:`WatchJob`, one batch applied as an incremental index run plus deletions
"""

from mmdesk.core.watch.batch import Batch, Debouncer
from mmdesk.core.watch.job import WatchJob, WatchReport
from mmdesk.core.watch.watcher import FolderWatcher, WatchOptions

__all__ = ["Batch", "Debouncer", "FolderWatcher", "WatchJob", "WatchOptions", "WatchReport"]
