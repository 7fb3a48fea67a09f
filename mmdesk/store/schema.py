"""Ordered schema migrations. Version N is reached by applying ``MIGRATIONS[:N]`` in order.

Migrations add tables, columns and indexes (V6 and V7 also drop a redundant index); none deletes
user data. A later issue adds its step at the end of the list.
"""

from __future__ import annotations

V1 = """
CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    added_at REAL NOT NULL,
    last_scan REAL,
    state TEXT NOT NULL DEFAULT 'new'          -- new | scanning | indexed | missing
);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    folder_id INTEGER REFERENCES folders(id) ON DELETE SET NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash TEXT,                                 -- blake2b-128 of the content
    kind TEXT NOT NULL,                        -- image | video | audio
    status TEXT NOT NULL DEFAULT 'pending',    -- pending | indexed | error | missing
    error TEXT,
    width INTEGER,
    height INTEGER,
    taken_at TEXT,                             -- EXIF DateTimeOriginal, ISO 8601
    camera TEXT,
    meta TEXT,                                 -- JSON: more metadata
    added_at REAL NOT NULL,
    indexed_at REAL
);
CREATE INDEX files_hash ON files(hash);
CREATE INDEX files_status ON files(status);
CREATE INDEX files_folder ON files(folder_id);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                 -- image | video_frame | video_segment | audio_segment
    start REAL,                                -- seconds, NULL for a still image
    "end" REAL,
    meta TEXT,
    UNIQUE (file_id, kind, start)
);
CREATE UNIQUE INDEX items_whole ON items(file_id, kind) WHERE start IS NULL;
CREATE TABLE encoders (
    id TEXT PRIMARY KEY,                       -- encoder id from a plugin manifest
    space TEXT NOT NULL,
    modality TEXT NOT NULL,
    dim INTEGER NOT NULL,
    plugin TEXT,
    version TEXT,
    first_seen REAL NOT NULL
);
CREATE TABLE embeddings (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    encoder TEXT NOT NULL REFERENCES encoders(id),
    dtype TEXT NOT NULL,                       -- float32 | float16
    vector BLOB NOT NULL,
    PRIMARY KEY (item_id, encoder)
);
CREATE INDEX embeddings_encoder ON embeddings(encoder);
CREATE TABLE texts (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    source TEXT NOT NULL,                      -- caption | ocr | transcript | user
    producer TEXT,                             -- plugin/encoder id or 'user'
    lang TEXT,
    text TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX texts_item ON texts(item_id);
CREATE VIRTUAL TABLE texts_fts USING fts5(text, content='texts', content_rowid='id');
CREATE TRIGGER texts_ai AFTER INSERT ON texts BEGIN
    INSERT INTO texts_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER texts_ad AFTER DELETE ON texts BEGIN
    INSERT INTO texts_fts(texts_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER texts_au AFTER UPDATE ON texts BEGIN
    INSERT INTO texts_fts(texts_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO texts_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    color TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE labels (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    source TEXT NOT NULL DEFAULT 'user',       -- user | classifier:<id>
    score REAL,
    created_at REAL NOT NULL,
    PRIMARY KEY (item_id, tag_id, source)
);
CREATE INDEX labels_tag ON labels(tag_id);
CREATE TABLE classifiers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    space TEXT,
    tags TEXT NOT NULL,                        -- JSON list of tag ids
    metrics TEXT,                              -- JSON: accuracy, F1, ...
    model_path TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT
);
"""

# "mmdk": PRAGMA application_id marks a file as an mmdesk library (set by V2, for old and new).
APPLICATION_ID = 0x6D6D646B

V2 = f"""
-- one active space per modality; the legacy single setting was the image space
INSERT OR IGNORE INTO settings(key, value)
    SELECT 'space.image', value FROM settings WHERE key = 'active_space' AND value IS NOT NULL;
INSERT OR IGNORE INTO settings(key, value)
    SELECT 'pending_space.image', value FROM settings
    WHERE key = 'pending_space' AND value IS NOT NULL;
-- why a file failed: 'environment' (retry next run) or 'content' (retry when it changes)
ALTER TABLE files ADD COLUMN error_kind TEXT;
CREATE INDEX texts_source ON texts(source);
-- substring search for glued OCR words: a trigram index beside the word index
CREATE VIRTUAL TABLE texts_tri USING fts5(
    text, content='texts', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER texts_tri_ai AFTER INSERT ON texts BEGIN
    INSERT INTO texts_tri(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER texts_tri_ad AFTER DELETE ON texts BEGIN
    INSERT INTO texts_tri(texts_tri, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER texts_tri_au AFTER UPDATE ON texts BEGIN
    INSERT INTO texts_tri(texts_tri, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO texts_tri(rowid, text) VALUES (new.id, new.text);
END;
INSERT INTO texts_tri(texts_tri) VALUES ('rebuild');
PRAGMA application_id = {APPLICATION_ID};
"""

# Issue 10: OCR lines with boxes (texts.meta), which producer has read which item (so a
# picture without text is not read again), and sentence embeddings per text and encoder.
V3 = """
ALTER TABLE texts ADD COLUMN meta TEXT;        -- JSON: OCR lines {text, box, score}, image size
CREATE INDEX texts_item_producer ON texts(item_id, source, producer);
CREATE TABLE text_passes (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    producer TEXT NOT NULL,                    -- e.g. a text reader's contribution id
    found INTEGER NOT NULL,                    -- how many texts the pass wrote (0: none)
    done_at REAL NOT NULL,
    PRIMARY KEY (item_id, producer)
);
CREATE TABLE text_embeddings (
    text_id INTEGER NOT NULL REFERENCES texts(id) ON DELETE CASCADE,
    encoder TEXT NOT NULL,                     -- the text encoder's id
    dtype TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (text_id, encoder)
);
CREATE INDEX text_embeddings_encoder ON text_embeddings(encoder);
-- an edited text's old vector no longer describes it: drop it, the enricher makes a new one
CREATE TRIGGER texts_vectors_au AFTER UPDATE OF text ON texts BEGIN
    DELETE FROM text_embeddings WHERE text_id = old.id;
END;
"""

# Issue 13: faces found in pictures (derived data: re-detected after a restore, so not in
# backups) and the people they are grouped into. A person's name lives on as a tag on their
# photos (labels are user data). No trigger on settings: each would run (and be traced) on
# every generation bump; turning faces off deletes them in code (core/faces).
V4 = """
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT,                                 -- NULL until a person names them
    tag_id INTEGER REFERENCES tags(id) ON DELETE SET NULL,
    created_at REAL NOT NULL
);
CREATE INDEX people_tag ON people(tag_id);
CREATE TABLE faces (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    producer TEXT NOT NULL,                    -- the face analyser's contribution id
    x REAL NOT NULL,                           -- box in pixels of the upright picture
    y REAL NOT NULL,
    w REAL NOT NULL,
    h REAL NOT NULL,
    score REAL NOT NULL,                       -- the detector's confidence
    area REAL NOT NULL,                        -- share of the picture the box covers, 0..1
    embedding BLOB,                            -- float32, the analyser's dim
    person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
    pinned INTEGER NOT NULL DEFAULT 0,         -- a person put it in its person: kept there
    created_at REAL NOT NULL
);
CREATE INDEX faces_item ON faces(item_id);
CREATE INDEX faces_person ON faces(person_id);
"""

# Issue 14: a change log of vectors, so a derived search index file (core/ann) learns which
# (item, encoder) pairs changed since the change it reflects, without reloading a space.
# Written by triggers: every vector write and delete (cascades included), and a file's status
# change (its items join or leave search). The op is a hint; the index reads the truth back.
V5 = """
CREATE TABLE embedding_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL,
    encoder TEXT NOT NULL,
    op TEXT NOT NULL                           -- put | del | file | meta (V6)
);
-- which database the log belongs to: an index file of another (or a restored) library is not
-- caught up from this one's log
CREATE TABLE embedding_log_id (id TEXT NOT NULL);
INSERT INTO embedding_log_id(id) VALUES (lower(hex(randomblob(16))));
CREATE TRIGGER embeddings_log_ai AFTER INSERT ON embeddings BEGIN
    INSERT INTO embedding_log(item_id, encoder, op) VALUES (new.item_id, new.encoder, 'put');
END;
CREATE TRIGGER embeddings_log_ad AFTER DELETE ON embeddings BEGIN
    INSERT INTO embedding_log(item_id, encoder, op) VALUES (old.item_id, old.encoder, 'del');
END;
CREATE TRIGGER files_log_status AFTER UPDATE OF status ON files
WHEN old.status IS NOT new.status BEGIN
    INSERT INTO embedding_log(item_id, encoder, op)
    SELECT e.item_id, e.encoder, 'file' FROM items i JOIN embeddings e ON e.item_id = i.id
    WHERE i.file_id = new.id;
END;
"""

# Issue 14, filters and storage at a million items. A filtered search lists the items that pass
# its filter; the kind filter gets an index, and SQLite is told that the status index
# selects most files (a library is mostly indexed files): without statistics it guessed
# `status = 'indexed'` to be rare and read every file for any filter (a tag filter: 32 ms at
# 100k items instead of 6). ANALYZE (or PRAGMA optimize) may later replace that row with
# measured statistics, which say the same. The encoder index on embeddings is dropped: its
# lookups are served by the primary key's index (item_id, encoder), and it cost 20 bytes a
# vector. A file's path, kind or dates changing is logged too ('meta': the facets a search
# index keeps beside it, core/ann/facets.py, follow them; the vectors did not change).
V6 = """
CREATE INDEX files_kind ON files(kind, status);
CREATE TRIGGER files_log_meta AFTER UPDATE OF path, kind, taken_at, mtime_ns ON files
WHEN old.path IS NOT new.path OR old.kind IS NOT new.kind OR old.taken_at IS NOT new.taken_at
    OR old.mtime_ns IS NOT new.mtime_ns BEGIN
    INSERT INTO embedding_log(item_id, encoder, op)
    SELECT e.item_id, e.encoder, 'meta' FROM items i JOIN embeddings e ON e.item_id = i.id
    WHERE i.file_id = new.id;
END;
DROP INDEX embeddings_encoder;
ANALYZE sqlite_master;
DELETE FROM sqlite_stat1 WHERE tbl = 'files' AND idx = 'files_status';
INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES ('files', 'files_status', '1000000 250000');
"""

# Issue 14, tag filters at a million items: the labels of one tag and source as a covering
# index, so a tag filter reads its item ids from the index alone, not from each label's row
# (store/filters.py, tagged_item_ids: 10 ms for 65k labels instead of 80-270). It starts
# with tag_id, so it also serves what the index on tag_id alone served (dropped: redundant).
V7 = """
CREATE INDEX labels_tag_source ON labels(tag_id, source, item_id);
DROP INDEX labels_tag;
"""

# Issue 12, classifiers follow tag edits: a classifier plugin names its tags as they were
# called when it was trained (its manifest's labels). Each label is tied to a tag's id the
# first time the classifier predicts, so a rename (same id) or a merge (the id moves to the
# tag merged into, store/tag_tree.py) carries its predictions along, and a deleted tag
# (tag_id NULL) is not created again by the next prediction run. ``trained_at`` says which
# training the row was made for: a retrained classifier ties its labels afresh.
V8 = """
CREATE TABLE classifier_tags (
    source TEXT NOT NULL,                      -- classifier:<plugin id>
    label TEXT NOT NULL COLLATE NOCASE,        -- the tag as the manifest names it
    tag_id INTEGER REFERENCES tags(id) ON DELETE SET NULL,
    trained_at REAL NOT NULL,
    PRIMARY KEY (source, label)
);
CREATE INDEX classifier_tags_tag ON classifier_tags(tag_id);
"""

MIGRATIONS: list[str] = [V1, V2, V3, V4, V5, V6, V7, V8]
SCHEMA_VERSION = len(MIGRATIONS)

# Tables every mmdesk library has: how a library from before application_id is recognised.
CORE_TABLES = frozenset({"folders", "files", "items", "embeddings", "texts", "tags", "labels"})
