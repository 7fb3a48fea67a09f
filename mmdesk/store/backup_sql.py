"""The user-data backup's schema and the statements that fill it from an attached ``src``.

Only columns that exist since schema V1 are read, so a backup taken before a migration works.
Ids are kept, so labels and texts still point at their items after a restore.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE backup_info (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE folders (id INTEGER PRIMARY KEY, path TEXT NOT NULL, added_at REAL NOT NULL);
CREATE TABLE files (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, folder_id INTEGER, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, hash TEXT, kind TEXT NOT NULL, width INTEGER, height INTEGER,
    taken_at TEXT, camera TEXT, added_at REAL NOT NULL
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, kind TEXT NOT NULL, start REAL,
    "end" REAL
);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL, color TEXT, created_at REAL);
CREATE TABLE labels (
    item_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, source TEXT NOT NULL, score REAL,
    created_at REAL NOT NULL
);
CREATE TABLE texts (
    id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, source TEXT NOT NULL, producer TEXT,
    lang TEXT, text TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE classifiers (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, space TEXT, tags TEXT NOT NULL, metrics TEXT,
    model_path TEXT, created_at REAL NOT NULL
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
"""

_KEPT_ITEMS = (
    "SELECT item_id FROM src.labels UNION SELECT item_id FROM src.texts WHERE source = 'user'"
)

COPY = [
    "INSERT INTO folders SELECT id, path, added_at FROM src.folders",
    "INSERT INTO files SELECT id, path, folder_id, size, mtime_ns, hash, kind, width, height, "
    "taken_at, camera, added_at FROM src.files",
    f'INSERT INTO items SELECT id, file_id, kind, start, "end" FROM src.items '
    f"WHERE id IN ({_KEPT_ITEMS})",
    "INSERT INTO tags SELECT id, name, color, created_at FROM src.tags",
    "INSERT INTO labels SELECT item_id, tag_id, source, score, created_at FROM src.labels",
    "INSERT INTO texts SELECT id, item_id, source, producer, lang, text, created_at "
    "FROM src.texts WHERE source = 'user'",
    "INSERT INTO classifiers SELECT * FROM src.classifiers",
    "INSERT INTO settings SELECT key, value FROM src.settings",
]

# Restoring: the backup is attached as ``bak`` to a freshly created library. Files come back
# 'pending', so the next index run recomputes their items' vectors (item ids stay stable).
RESTORE = [
    "INSERT INTO folders(id, path, added_at, state) SELECT id, path, added_at, 'new' "
    "FROM bak.folders",
    "INSERT INTO files(id, path, folder_id, size, mtime_ns, hash, kind, status, width, height,"
    " taken_at, camera, added_at) SELECT id, path, folder_id, size, mtime_ns, hash, kind, "
    "'pending', width, height, taken_at, camera, added_at FROM bak.files",
    'INSERT INTO items(id, file_id, kind, start, "end") SELECT id, file_id, kind, start, "end"'
    " FROM bak.items",
    "INSERT INTO tags(id, name, color, created_at) SELECT id, name, color, created_at "
    "FROM bak.tags",
    "INSERT OR IGNORE INTO labels SELECT * FROM bak.labels",
    "INSERT INTO texts(id, item_id, source, producer, lang, text, created_at) SELECT * "
    "FROM bak.texts",
    "INSERT INTO classifiers SELECT * FROM bak.classifiers",
    "INSERT OR REPLACE INTO settings SELECT key, value FROM bak.settings WHERE key != 'generation'",
]
