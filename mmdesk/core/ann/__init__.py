"""The approximate vector index of a big library, behind one seam.

- ``backend``: :class:`VectorBackend`, what every persistent index offers (local or server)
- ``local``: :class:`UsearchBackend`, usearch's HNSW graph memory-mapped, changes in memory
- ``header``: the JSON header that ties the files to the database state they reflect
- ``build``: the resumable background build from the database
- ``space``: :class:`AnnSpace`, one space's index kept in step through the change log
- ``exact``: exact top-k, the reference and the small-set path
"""
