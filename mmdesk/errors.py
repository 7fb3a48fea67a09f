"""One hierarchy for every error mmdesk raises on purpose.

Errors caused by the environment or by bad input derive from :class:`MmdeskError`, so the CLI
and the GUI can show their message to a person instead of a traceback.
"""


class MmdeskError(Exception):
    """Base class: the message is meant for a person."""


class ConfigError(MmdeskError):
    """A setting or path is unusable."""


class StoreError(MmdeskError):
    """The database could not be opened, read or written."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer mmdesk; it is left untouched."""


class StoreCorruptError(StoreError):
    """The database file is damaged; the store refuses to write to it."""


class ReadOnlyStoreError(StoreError):
    """The database can be read but not written (file or folder is read-only)."""


class NotALibraryError(StoreError):
    """The file is not an mmdesk library (empty, foreign SQLite file, or not SQLite); untouched."""


class LibraryBusyError(StoreError):
    """Another mmdesk process holds this library's lock (for example, it is indexing)."""


class PluginError(MmdeskError):
    """A plugin's manifest, files or code are unusable."""


class ChecksumError(PluginError):
    """A model file does not match the sha256 in its manifest."""


class ModelError(MmdeskError):
    """A model could not be loaded or run."""


class MediaError(MmdeskError):
    """A media file could not be read or decoded."""


class ExportError(MmdeskError):
    """A model could not be exported to a plugin."""


class CancelledError(MmdeskError):
    """A long task was cancelled by the person."""
