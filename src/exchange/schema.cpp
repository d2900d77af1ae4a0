#include "exchange/exchange.hpp"
#include "store/migrations.hpp"

namespace opora::exchange {

const store::SchemaModule& schema() {
  static const store::SchemaModule module{"exchange", {{1, R"sql(
        -- Who this file is in the exchange: the central file or one node.
        CREATE TABLE exchange_self (
          one    INTEGER PRIMARY KEY CHECK (one = 1),
          node   TEXT NOT NULL,
          role   TEXT NOT NULL CHECK (role IN ('centre', 'node')),
          prefix TEXT
        ) STRICT;
        -- The other side of each pair: on the central file every node, on a
        -- node the central file. Numbers count messages each way.
        CREATE TABLE exchange_node (
          node            TEXT PRIMARY KEY,
          kind            TEXT NOT NULL,
          streams         TEXT NOT NULL,  -- JSON array
          scope           TEXT,           -- an expression over doc and node
          params          TEXT NOT NULL,  -- JSON object the scope reads as node.attributes
          secret          TEXT NOT NULL,
          previous_secret TEXT,           -- still accepted until the new one is seen
          status          TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
          refuse_outdated INTEGER NOT NULL DEFAULT 0,
          sent_no         INTEGER NOT NULL DEFAULT 0,
          acked_no        INTEGER NOT NULL DEFAULT 0,
          received_no     INTEGER NOT NULL DEFAULT 0,
          ack_conveyed    INTEGER NOT NULL DEFAULT 0,  -- the received_no the other side was told
          library         TEXT,
          schemas         TEXT,
          last_seen_at    TEXT,
          created_at      TEXT NOT NULL,
          updated_at      TEXT NOT NULL
        ) STRICT;
        -- The latest registration of each object per node; msg_no is the
        -- message that carries it, NULL while unsent. The acknowledgement of
        -- that message deletes it.
        CREATE TABLE exchange_change (
          node   TEXT NOT NULL REFERENCES exchange_node(node),
          type   TEXT NOT NULL,
          uid    TEXT NOT NULL,
          stream TEXT NOT NULL,
          op     TEXT NOT NULL CHECK (op IN ('upsert', 'remove')),
          seq    INTEGER NOT NULL,
          msg_no INTEGER,
          PRIMARY KEY (node, type, uid)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX exchange_change_unsent ON exchange_change (node, seq) WHERE msg_no IS NULL;
        CREATE INDEX exchange_change_sent ON exchange_change (node, msg_no) WHERE msg_no IS NOT NULL;
        -- Messages each way: outgoing ones keep their text until acknowledged
        -- (a re-send is the same bytes); incoming ones keep their receipt (a
        -- duplicate is answered with it).
        CREATE TABLE exchange_message (
          node       TEXT NOT NULL,
          direction  TEXT NOT NULL CHECK (direction IN ('out', 'in')),
          msg_no     INTEGER NOT NULL,
          kind       TEXT NOT NULL,
          objects    INTEGER NOT NULL,
          bytes      INTEGER NOT NULL,
          text       TEXT,
          receipt    TEXT,
          created_at TEXT NOT NULL,
          acked_at   TEXT,
          PRIMARY KEY (node, direction, msg_no)
        ) STRICT, WITHOUT ROWID;
        -- Document versions the other side holds: on the central file every
        -- version sent to a node (the base of its next edit), on a node the
        -- central file's latest.
        CREATE TABLE exchange_base (
          node    TEXT NOT NULL,
          uid     TEXT NOT NULL,
          version INTEGER NOT NULL,
          body    TEXT NOT NULL,
          PRIMARY KEY (node, uid, version)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE exchange_conflict (
          id         INTEGER PRIMARY KEY,
          node       TEXT NOT NULL,
          msg_no     INTEGER NOT NULL,
          uid        TEXT NOT NULL,
          kind       TEXT NOT NULL,
          field      TEXT NOT NULL,
          base       TEXT,
          ours       TEXT,
          theirs     TEXT,
          resolution TEXT NOT NULL,
          at         TEXT NOT NULL
        ) STRICT;
        CREATE INDEX exchange_conflict_uid ON exchange_conflict (uid, id);
        -- Changes a rule refused: kept whole with the reason, never dropped.
        CREATE TABLE exchange_parked (
          id          INTEGER PRIMARY KEY,
          node        TEXT NOT NULL,
          msg_no      INTEGER NOT NULL,
          type        TEXT NOT NULL,
          uid         TEXT NOT NULL,
          rule        TEXT NOT NULL,
          field       TEXT,
          reason      TEXT NOT NULL,
          object      TEXT NOT NULL,
          at          TEXT NOT NULL,
          resolved_at TEXT,
          resolution  TEXT
        ) STRICT;
        CREATE INDEX exchange_parked_open ON exchange_parked (node, id) WHERE resolved_at IS NULL;
        -- Where a first load (snapshot) of a stream stands for a node.
        CREATE TABLE exchange_snapshot (
          node   TEXT NOT NULL,
          stream TEXT NOT NULL,
          after  TEXT NOT NULL,
          done   INTEGER NOT NULL,
          PRIMARY KEY (node, stream)
        ) STRICT, WITHOUT ROWID;
        -- Who owns which field of a kind's documents, when both sides edit.
        CREATE TABLE exchange_ownership (
          kind       TEXT PRIMARY KEY,
          rules      TEXT NOT NULL,
          defined_at TEXT NOT NULL
        ) STRICT;
      )sql"}}};
  return module;
}

}  // namespace opora::exchange
