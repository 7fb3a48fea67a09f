"""Tags: a person's labels (is / is not), predicted tags, and the classifiers that learn them.

``ops.TaggingOps`` is the part of :class:`~mmdesk.core.library.Library` that reads and writes
labels; training lives in ``mmdesk/train`` (torch), prediction at index time is an enricher.
"""
