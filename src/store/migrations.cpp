#include "store/migrations.hpp"

#include <string>

#include "core/error.hpp"
#include "store/sqlite.hpp"

namespace opora::store {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, R"sql(
        CREATE TABLE opora_meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
        -- Calendars a host loaded with calendar.load; built-in ones live in the library.
        CREATE TABLE calendar (
          id        TEXT PRIMARY KEY,
          document  TEXT NOT NULL,
          loaded_at TEXT NOT NULL
        ) STRICT;
      )sql"},
      {2, R"sql(
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
          number_scope  TEXT NOT NULL,
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
        CREATE TABLE document_ref (
          ref    TEXT NOT NULL,
          doc_id INTEGER NOT NULL REFERENCES document(id),
          PRIMARY KEY (ref, doc_id)
        ) STRICT, WITHOUT ROWID;
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
  };
  return all;
}

int latest_schema_version() {
  return migrations().back().version;
}

void migrate(Connection& conn, bool read_only) {
  const int current = conn.user_version();
  const int latest = latest_schema_version();
  if (current > latest)
    throw Error(ErrorCode::state, "the database has schema version " + std::to_string(current) +
                                      ", newer than this library knows (" + std::to_string(latest) +
                                      "); upgrade opora");
  if (current == latest) return;
  if (read_only)
    throw Error(ErrorCode::state, "the database needs a schema upgrade from version " +
                                      std::to_string(current) + "; open it once without read_only");
  for (const auto& m : migrations()) {
    if (m.version <= current) continue;
    Transaction tx(conn);
    // Another connection may have migrated while we waited for the write lock.
    if (conn.user_version() >= m.version) continue;
    conn.exec(m.sql);
    conn.set_user_version(m.version);
    tx.commit();
  }
}

}  // namespace opora::store
