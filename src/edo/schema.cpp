#include "edo/edo.hpp"
#include "store/migrations.hpp"

namespace opora::edo {

const store::SchemaModule& schema() {
  static const store::SchemaModule module{"edo",
                                          {{1, R"sql(
        -- Our organisations and counterparties as EDO knows them: requisites,
        -- the participant id (operator prefix + id), the box, the exchange
        -- method the counterparty chose, the signer. `body` keeps the whole
        -- party as given (signer, bank, a sole trader's name).
        CREATE TABLE edo_party (
          code           TEXT PRIMARY KEY,  -- the host's id: "our", "bitrix24:company:7"
          role           TEXT NOT NULL,     -- our | counterparty
          type           TEXT NOT NULL,     -- company | sole_trader
          name           TEXT NOT NULL,
          inn            TEXT NOT NULL,
          kpp            TEXT NOT NULL,     -- '' for a sole trader
          participant_id TEXT NOT NULL,     -- '' when not known
          operator       TEXT NOT NULL,     -- from the prefix: diadoc, sbis, or ''
          exchange       TEXT NOT NULL,     -- electronic | paper | email
          body           TEXT NOT NULL,
          updated_at     TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX edo_party_inn ON edo_party (inn, kpp);
        -- A packet: registry documents for one recipient through one operator.
        CREATE TABLE edo_packet (
          id           INTEGER PRIMARY KEY,
          sender       TEXT NOT NULL REFERENCES edo_party(code),
          recipient    TEXT NOT NULL REFERENCES edo_party(code),
          operator     TEXT NOT NULL,     -- diadoc | sbis
          lock_mode    TEXT NOT NULL,     -- none | send | full
          status       TEXT NOT NULL,     -- draft | validated | prepared | sending | sent | failed | cancelled
          problems     TEXT NOT NULL,     -- the last validation's problems, JSON array
          fingerprint  TEXT,              -- what passed validation: documents' versions, parties
          operation_id TEXT,              -- the send's idempotency key, from the rendered content
          rendered_at  INTEGER,           -- fixed at the first render: the files' formation time
          message_id   TEXT,              -- the operator's id once sent
          error        TEXT,              -- why the send failed
          comment      TEXT NOT NULL,
          created_at   TEXT NOT NULL,
          updated_at   TEXT NOT NULL,
          sent_at      TEXT
        ) STRICT;
        CREATE INDEX edo_packet_status ON edo_packet (status, id);
        -- The documents of a packet; a document is in at most one live
        -- (not cancelled) packet.
        CREATE TABLE edo_document (
          packet_id   INTEGER NOT NULL REFERENCES edo_packet(id),
          position    INTEGER NOT NULL,
          document_id INTEGER NOT NULL,
          live        INTEGER NOT NULL,
          form        TEXT NOT NULL,     -- upd (formalised XML) | attachment (the document's file)
          function    TEXT NOT NULL,     -- СЧФ, ДОП, СЧФДОП for a UPD; '' otherwise
          two_sided   INTEGER NOT NULL,  -- the counterparty must sign
          file_guid   TEXT NOT NULL,
          file_name   TEXT,              -- once rendered
          status      TEXT NOT NULL,     -- none | signed_by_us | sent | receipt_pending | delivered | refused | countersigned_with_disagreement | countersigned
          revocation  TEXT NOT NULL,     -- '' | revocation_requested | revoked: a facet of its own
          done        INTEGER NOT NULL,
          raw         TEXT NOT NULL,     -- the operator's fields, verbatim, last value of each
          operator_document_id TEXT,
          status_at   TEXT,
          sent_at     TEXT,
          PRIMARY KEY (packet_id, position)
        ) STRICT, WITHOUT ROWID;
        CREATE UNIQUE INDEX edo_document_live ON edo_document (document_id) WHERE live = 1;
        CREATE INDEX edo_document_operator_id ON edo_document (operator_document_id)
          WHERE operator_document_id IS NOT NULL;
        -- Operator events, once each; an event for no known document is kept
        -- with document_id NULL (unmatched), not dropped.
        CREATE TABLE edo_event (
          operator    TEXT NOT NULL,
          event_id    TEXT NOT NULL,
          document_id INTEGER,
          packet_id   INTEGER,
          body        TEXT NOT NULL,
          answer      TEXT NOT NULL,
          received_at TEXT NOT NULL,
          PRIMARY KEY (operator, event_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX edo_event_unmatched ON edo_event (operator, received_at)
          WHERE document_id IS NULL;
        -- Where the host's event polling stands, per operator, saved with the
        -- events it covers.
        CREATE TABLE edo_cursor (
          operator   TEXT PRIMARY KEY,
          cursor     TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
      )sql"},
                                           {2, R"sql(
        -- A rendered UPD keeps what makes rendering it again the same file:
        -- its GUID (file_guid), when it was formed (ДатаИнфПр/ВремИнфПр), the
        -- digest and the bytes themselves. Content that changes gets a new
        -- GUID and a new formation time; the bytes kept are the ones sent.
        ALTER TABLE edo_document ADD COLUMN formed_at INTEGER;
        ALTER TABLE edo_document ADD COLUMN file_sha256 TEXT;
        ALTER TABLE edo_document ADD COLUMN file_content BLOB;
        -- SBIS's Документ.Идентификатор for the packet: random, kept, so no
        -- two installations write into one SBIS document.
        ALTER TABLE edo_packet ADD COLUMN document_guid TEXT;
      )sql"}}};
  return module;
}

}  // namespace opora::edo
