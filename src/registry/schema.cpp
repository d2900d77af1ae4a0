#include "registry/registry.hpp"
#include "store/migrations.hpp"

namespace opora::registry {

const store::SchemaModule& schema() {
  static const store::SchemaModule module{
      "registry",
      {{1, R"sql(
        -- Kinds a host defined with registry.kind.define; built-in kinds live in the library.
        CREATE TABLE registry_kind (
          kind       TEXT PRIMARY KEY,
          definition TEXT NOT NULL,
          defined_at TEXT NOT NULL
        ) STRICT;
        -- body holds the canonical JSON of the writable fields; the other
        -- columns repeat what queries filter and sort on.
        CREATE TABLE document (
          id            INTEGER PRIMARY KEY,
          kind          TEXT NOT NULL,
          number        TEXT NOT NULL,
          number_scope  TEXT NOT NULL,  -- where the number is unique: kind, and organisation if numbered so
          date          TEXT NOT NULL,
          cp_tax_id     TEXT,
          currency      TEXT NOT NULL,
          gross         INTEGER,
          status        TEXT NOT NULL,
          is_final      INTEGER NOT NULL,
          valid_from    TEXT,
          valid_to      TEXT,
          supersedes    INTEGER REFERENCES document(id),
          superseded_by INTEGER REFERENCES document(id),
          chain_id      INTEGER,  -- first version of the chain; NULL for the first itself
          deleted       INTEGER NOT NULL DEFAULT 0,
          version       INTEGER NOT NULL,
          created_at    TEXT NOT NULL,
          updated_at    TEXT NOT NULL,
          body          TEXT NOT NULL
        ) STRICT;
        CREATE INDEX document_number ON document (number_scope, number);
        CREATE INDEX document_counterparty ON document (cp_tax_id, date, id) WHERE cp_tax_id IS NOT NULL;
        CREATE INDEX document_kind_date ON document (kind, date, id);
        CREATE INDEX document_valid_to ON document (kind, valid_to) WHERE valid_to IS NOT NULL;
        -- kind and live (not deleted) repeat the document's, so "which refs
        -- have a contract and no act" is answered from this table alone.
        CREATE TABLE document_ref (
          ref    TEXT NOT NULL,
          kind   TEXT NOT NULL,
          doc_id INTEGER NOT NULL REFERENCES document(id),
          live   INTEGER NOT NULL DEFAULT 1,
          PRIMARY KEY (ref, kind, doc_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX document_ref_kind ON document_ref (kind, ref) WHERE live = 1;
        CREATE INDEX document_ref_doc ON document_ref (doc_id);
        CREATE TABLE registry_sequence (
          scope TEXT PRIMARY KEY,
          last  INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE document_link (
          from_id    INTEGER NOT NULL REFERENCES document(id),
          type       TEXT NOT NULL,
          to_id      INTEGER NOT NULL REFERENCES document(id),
          created_at TEXT NOT NULL,
          actor      TEXT,
          PRIMARY KEY (from_id, type, to_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX document_link_to ON document_link (to_id);
        -- File content is stored once per SHA-256, however many documents hold it.
        CREATE TABLE file_blob (
          sha256  TEXT PRIMARY KEY,
          size    INTEGER NOT NULL,
          content BLOB NOT NULL
        ) STRICT;
        CREATE TABLE document_file (
          id          INTEGER PRIMARY KEY,
          doc_id      INTEGER NOT NULL REFERENCES document(id),
          name        TEXT NOT NULL,
          mime        TEXT NOT NULL,
          role        TEXT NOT NULL,
          size        INTEGER,
          sha256      TEXT REFERENCES file_blob(sha256),
          path        TEXT,
          attached_at TEXT NOT NULL,
          actor       TEXT
        ) STRICT;
        CREATE INDEX document_file_doc ON document_file (doc_id);
        CREATE TABLE document_journal (
          id     INTEGER PRIMARY KEY,
          doc_id INTEGER NOT NULL REFERENCES document(id),
          at     TEXT NOT NULL,
          actor  TEXT,
          action TEXT NOT NULL,
          field  TEXT,
          old    TEXT,
          new    TEXT,
          reason TEXT
        ) STRICT;
        CREATE INDEX document_journal_doc ON document_journal (doc_id, id);
        -- unicode61 folds case for Cyrillic too: "акт" finds "АКТ" and "Акт".
        CREATE VIRTUAL TABLE document_fts USING fts5 (
          number, counterparty, basis, items, notes,
          tokenize = 'unicode61 remove_diacritics 2'
        );
      )sql"},
       // Issue 14: a global id per document (the exchange names documents by
       // it across files), and where each journalled change came from.
       // Documents written before get a random version-4 UUID here; new ones
       // take theirs from the handle's id source.
       {2, R"sql(
        ALTER TABLE document ADD COLUMN uid TEXT;
        UPDATE document SET uid = lower(
          hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
          substr(hex(randomblob(2)), 2) || '-' ||
          substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' ||
          hex(randomblob(6)));
        CREATE UNIQUE INDEX document_uid ON document (uid);
        ALTER TABLE document_journal ADD COLUMN origin_node TEXT;
        ALTER TABLE document_journal ADD COLUMN origin_msg_no INTEGER;
      )sql",
        false, R"sql(
        ALTER TABLE document ADD COLUMN uid TEXT COLLATE "C";
        UPDATE document SET uid = gen_random_uuid()::text;
        CREATE UNIQUE INDEX document_uid ON document (uid);
        ALTER TABLE document_journal ADD COLUMN origin_node TEXT COLLATE "C";
        ALTER TABLE document_journal ADD COLUMN origin_msg_no BIGINT;
      )sql"},
       // Issue 15: full-text indexing leaves the write path. A write queues
       // the document's id in its own transaction (a crash loses no
       // indexing); registry.index.flush, and registry.search before it
       // reads, index what is queued. What document_fts already holds stays
       // as it is, so nothing is indexed again.
       {3, R"sql(
        CREATE TABLE document_index_queue (
          doc_id INTEGER PRIMARY KEY
        ) STRICT;
      )sql"}}};
  return module;
}

}  // namespace opora::registry
