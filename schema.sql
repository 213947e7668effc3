-- annotator database schema, version 4 (see MIGRATIONS in annotator/store/schema.py).
-- This file is the single source of the schema; annotator/store/ applies it and
-- records the version in PRAGMA user_version. Offsets are Unicode code points into
-- documents.text, end exclusive.

CREATE TABLE IF NOT EXISTS documents (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,          -- file stem or the id given on import
    title       TEXT    NOT NULL,
    text        TEXT    NOT NULL,                 -- canonical text: "\n" line breaks, no BOM
    sha256      TEXT    NOT NULL UNIQUE,          -- sha256 of text (UTF-8)
    meta        TEXT    NOT NULL DEFAULT '{}',    -- JSON object
    source      TEXT,                             -- where it was imported from
    position    INTEGER NOT NULL,                 -- order in the corpus (0-based)
    created_at  TEXT    NOT NULL
);

-- Corpus order: exports and the article list read documents in this order.
CREATE INDEX IF NOT EXISTS documents_in_order ON documents (position, id);

CREATE TABLE IF NOT EXISTS labels (
    name        TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('claim', 'entity', 'quantity')),
    key         TEXT    NOT NULL,                 -- the key that applies it in the app
    color       TEXT    NOT NULL,                 -- a CSS colour, e.g. #e5c07b
    description TEXT    NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS annotators (
    name        TEXT    PRIMARY KEY,
    created_at  TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS spans (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,          -- stable identity across undo, merge and export
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    start       INTEGER NOT NULL CHECK (start >= 0),
    "end"       INTEGER NOT NULL CHECK ("end" > start),
    label       TEXT    NOT NULL,
    annotator   TEXT    NOT NULL,
    text        TEXT    NOT NULL,                 -- documents.text[start:end], kept for re-anchoring
    note        TEXT    NOT NULL DEFAULT '',
    attrs       TEXT    NOT NULL DEFAULT '{}',    -- JSON object for later use
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (document_id, annotator, start, "end", label)
);

CREATE INDEX IF NOT EXISTS spans_by_document ON spans (document_id, annotator, start);
CREATE INDEX IF NOT EXISTS spans_by_annotator ON spans (annotator);

-- Append-only log of every change to a span. Undo and redo are actions too, so the
-- log says how each span came to be. before/after hold the span as JSON (NULL when
-- the span did not exist on that side).
CREATE TABLE IF NOT EXISTS actions (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,          -- identity across databases (merge)
    annotator   TEXT    NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    at          TEXT    NOT NULL,
    op          TEXT    NOT NULL CHECK (op IN ('add', 'delete', 'update', 'undo', 'redo', 'import', 'reject')),
    span_uid    TEXT    NOT NULL,
    before      TEXT,
    after       TEXT,
    target      INTEGER REFERENCES actions (id), -- the action an undo or redo applies to
    batch       TEXT                             -- actions sharing a batch are undone as one
);

CREATE INDEX IF NOT EXISTS actions_by_document ON actions (document_id, annotator, id);

-- Where each analyst stands on each article: 'in_progress' once they tag, 'done' when
-- they say so. No row means not started.
CREATE TABLE IF NOT EXISTS progress (
    annotator   TEXT    NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    state       TEXT    NOT NULL CHECK (state IN ('in_progress', 'done')),
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (annotator, document_id)
);

-- A reviewer's rejection of an analyst's span during adjudication (acceptances are
-- the gold spans themselves, whose attrs name the reviewer and the source analysts).
CREATE TABLE IF NOT EXISTS decisions (
    span_uid    TEXT    PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    decision    TEXT    NOT NULL CHECK (decision IN ('rejected')),
    reviewer    TEXT    NOT NULL,
    at          TEXT    NOT NULL
);

-- Earlier texts of a document, kept when a changed article is imported again under
-- the same key (spans are re-anchored to the new text; the old text stays here).
CREATE TABLE IF NOT EXISTS document_versions (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    text        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    replaced_at TEXT    NOT NULL
);

-- Full-text search over every article (title and text) and every span (text and note),
-- for `annotator search` and the app's search screen. External-content FTS5 tables hold
-- only the index (the text stays in documents and spans); the triggers keep them in step
-- with every insert, update and delete, whoever makes it.
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    title, text, content = 'documents', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER IF NOT EXISTS documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;

CREATE TRIGGER IF NOT EXISTS documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;

CREATE TRIGGER IF NOT EXISTS documents_fts_update AFTER UPDATE OF title, text ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;

CREATE VIRTUAL TABLE IF NOT EXISTS spans_fts USING fts5(
    text, note, content = 'spans', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER IF NOT EXISTS spans_fts_insert AFTER INSERT ON spans BEGIN
    INSERT INTO spans_fts (rowid, text, note) VALUES (new.id, new.text, new.note);
END;

CREATE TRIGGER IF NOT EXISTS spans_fts_delete AFTER DELETE ON spans BEGIN
    INSERT INTO spans_fts (spans_fts, rowid, text, note) VALUES ('delete', old.id, old.text, old.note);
END;

CREATE TRIGGER IF NOT EXISTS spans_fts_update AFTER UPDATE OF text, note ON spans BEGIN
    INSERT INTO spans_fts (spans_fts, rowid, text, note) VALUES ('delete', old.id, old.text, old.note);
    INSERT INTO spans_fts (rowid, text, note) VALUES (new.id, new.text, new.note);
END;

-- Canonical entities shared across the corpus (version 4). A mention is a span whose
-- attrs hold {"entity": "<uid>"}. A merged entity keeps its row with merged_into set, so
-- old exports and other databases still resolve its uid.
CREATE TABLE IF NOT EXISTS entities (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,          -- stable identity across merge and export
    name        TEXT    NOT NULL,
    label       TEXT    NOT NULL,                 -- the entity label (type), e.g. ORG
    external_id TEXT,                             -- e.g. a Wikidata QID
    note        TEXT    NOT NULL DEFAULT '',
    merged_into TEXT,                             -- uid of the entity this one was merged into
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS entities_by_label ON entities (label, name);
CREATE INDEX IF NOT EXISTS entities_by_name ON entities (name);

CREATE TABLE IF NOT EXISTS entity_aliases (
    entity_uid  TEXT    NOT NULL,
    alias       TEXT    NOT NULL,
    PRIMARY KEY (entity_uid, alias)
);

CREATE INDEX IF NOT EXISTS entity_aliases_by_alias ON entity_aliases (alias);

-- The mentions of an entity (attrs.entity), found without reading every span; only
-- linked spans are in it.
CREATE INDEX IF NOT EXISTS spans_by_entity ON spans (json_extract(attrs, '$.entity'))
    WHERE json_extract(attrs, '$.entity') IS NOT NULL;

-- Append-only log of every change to an entity (before/after: the entity row with its
-- aliases as JSON, NULL when it did not exist on that side). An operation that also
-- changes spans shares its batch id with their actions, so one undo takes both back.
CREATE TABLE IF NOT EXISTS entity_actions (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,          -- identity across databases (merge)
    annotator   TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    op          TEXT    NOT NULL,
    entity_uid  TEXT    NOT NULL,
    before      TEXT,
    after       TEXT,
    batch       TEXT
);

CREATE INDEX IF NOT EXISTS entity_actions_by_batch ON entity_actions (batch);
CREATE INDEX IF NOT EXISTS entity_actions_by_entity ON entity_actions (entity_uid, id);
