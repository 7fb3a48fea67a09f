"""Sidecars: a person's tags and captions out of mmdesk and back in, as other photo tools
exchange them.

``dom`` and ``xmp`` read XMP packets and merge into them, keeping other tools' fields;
``keywords`` maps tags to ``dc:subject`` and ``lr:hierarchicalSubject`` and back; ``facts``
sums up what mmdesk knows of a file; ``files`` finds, reads and atomically writes sidecars and
reads the XMP inside image files; ``table`` exports labels and texts as CSV or JSON;
``selection`` and ``jobs`` run export and import over files with progress; ``ops.SidecarOps``
is the part of the Library that offers them.
"""
