#include "billing/billing.hpp"
#include "store/migrations.hpp"

namespace opora::billing {

// Built-in tax rates are rows like any a host adds, dated by the law that set
// them: RU VAT 20% until 2025-12-31 and 22% from 2026-01-01 (425-FZ of
// 28.11.2025), KZ VAT 12% until 2025-12-31 and 16% from 2026-01-01 (Tax Code
// of 18.07.2025 No. 214-VIII); the USN rates 5% and 7% from 2025-01-01.
const store::SchemaModule& schema() {
  static const store::SchemaModule module{"billing",
                                          {{1, R"sql(
        CREATE TABLE billing_tax_rate (
          code       TEXT NOT NULL,
          valid_from TEXT NOT NULL,
          valid_to   TEXT,            -- inclusive; NULL: until a later row starts
          rate       TEXT,            -- percent; NULL: без НДС (not subject to VAT)
          title      TEXT NOT NULL,
          PRIMARY KEY (code, valid_from)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO billing_tax_rate VALUES
          ('ru_vat',    '2019-01-01', '2025-12-31', '20', 'НДС 20%'),
          ('ru_vat',    '2026-01-01', NULL,         '22', 'НДС 22% (425-ФЗ)'),
          ('ru_vat_10', '2019-01-01', NULL,         '10', 'НДС 10%'),
          ('ru_vat_0',  '2019-01-01', NULL,         '0',  'НДС 0%'),
          ('none',      '1900-01-01', NULL,         NULL, 'Без НДС'),
          ('kz_vat',    '2009-01-01', '2025-12-31', '12', 'ҚҚС / НДС 12%'),
          ('kz_vat',    '2026-01-01', NULL,         '16', 'ҚҚС / НДС 16% (214-VIII)');

        -- Our organisations: who bills, with the bank details a QR code and a
        -- statement import need.
        CREATE TABLE billing_organization (
          tax_id       TEXT PRIMARY KEY,
          body         TEXT NOT NULL
        ) STRICT;

        CREATE TABLE billing_account (
          id            INTEGER PRIMARY KEY,
          number        TEXT NOT NULL UNIQUE,
          holder_name   TEXT NOT NULL,
          holder_tax_id TEXT,
          phone         TEXT,
          organization  TEXT,
          currency      TEXT NOT NULL,
          status        TEXT NOT NULL,
          credit_limit  INTEGER NOT NULL,
          created_at    TEXT NOT NULL,
          updated_at    TEXT NOT NULL,
          body          TEXT NOT NULL
        ) STRICT;
        CREATE INDEX billing_account_holder ON billing_account (holder_tax_id)
          WHERE holder_tax_id IS NOT NULL;

        CREATE TABLE billing_tariff (
          code       TEXT PRIMARY KEY,
          body       TEXT NOT NULL,
          defined_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE billing_subscription (
          id         INTEGER PRIMARY KEY,
          account_id INTEGER NOT NULL REFERENCES billing_account(id),
          service    TEXT NOT NULL,
          start_date TEXT NOT NULL,
          end_date   TEXT,              -- inclusive; NULL: open
          created_at TEXT NOT NULL
        ) STRICT;
        -- Covers what a run reads of a subscription: no table lookups.
        CREATE INDEX billing_subscription_account
          ON billing_subscription (account_id, start_date, end_date);
        -- Which tariff applies from which date: a change is a new row.
        CREATE TABLE billing_subscription_tariff (
          subscription_id INTEGER NOT NULL REFERENCES billing_subscription(id),
          from_date       TEXT NOT NULL,
          tariff          TEXT NOT NULL REFERENCES billing_tariff(code),
          PRIMARY KEY (subscription_id, from_date)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE billing_freeze (
          id              INTEGER PRIMARY KEY,
          subscription_id INTEGER NOT NULL REFERENCES billing_subscription(id),
          from_date       TEXT NOT NULL,
          to_date         TEXT,
          fee             INTEGER
        ) STRICT;
        CREATE INDEX billing_freeze_subscription ON billing_freeze (subscription_id);
        CREATE TABLE billing_discount (
          id              INTEGER PRIMARY KEY,
          account_id      INTEGER NOT NULL REFERENCES billing_account(id),
          subscription_id INTEGER REFERENCES billing_subscription(id),
          name            TEXT NOT NULL,
          percent         TEXT,
          fixed           INTEGER,
          from_date       TEXT NOT NULL,
          to_date         TEXT
        ) STRICT;
        CREATE INDEX billing_discount_account ON billing_discount (account_id);

        CREATE TABLE billing_run (
          id           INTEGER PRIMARY KEY,
          period       TEXT NOT NULL,
          status       TEXT NOT NULL,   -- running | done | cancelled
          cursor       INTEGER NOT NULL, -- last account id finished
          accounts     INTEGER NOT NULL,
          lines        INTEGER NOT NULL,
          started_at   TEXT NOT NULL,
          finished_at  TEXT,
          cancelled_at TEXT,
          actor        TEXT
        ) STRICT;
        CREATE UNIQUE INDEX billing_run_open ON billing_run (period) WHERE status = 'running';
        -- What a run posted, per currency, kept up to date chunk by chunk.
        CREATE TABLE billing_run_total (
          run_id   INTEGER NOT NULL REFERENCES billing_run(id),
          currency TEXT NOT NULL,
          amount   INTEGER NOT NULL,
          vat      INTEGER NOT NULL,
          PRIMARY KEY (run_id, currency)
        ) STRICT, WITHOUT ROWID;

        -- The debit side of the ledger: one row per accrual line. A line is
        -- never changed except for reversed_by, set when a storno row (the
        -- same amounts negated, storno_of pointing back) cancels it.
        CREATE TABLE billing_accrual (
          id              INTEGER PRIMARY KEY,
          account_id      INTEGER NOT NULL REFERENCES billing_account(id),
          subscription_id INTEGER,
          period          TEXT NOT NULL,
          seq             INTEGER NOT NULL,
          kind            TEXT NOT NULL,  -- fee | freeze | adjustment | charge | storno
          name            TEXT NOT NULL,
          date            TEXT NOT NULL,  -- posting date: counts in balances from this day
          due_date        TEXT NOT NULL,
          date_from       TEXT,
          date_to         TEXT,
          days            INTEGER,
          base            INTEGER NOT NULL,
          discount        INTEGER NOT NULL,
          amount          INTEGER NOT NULL, -- owed, VAT included
          vat             INTEGER NOT NULL,
          tax_code        TEXT NOT NULL,
          vat_rate        TEXT NOT NULL,    -- "22", "none": the rate as resolved on the supply date
          vat_mode        TEXT NOT NULL,
          run_id          INTEGER REFERENCES billing_run(id),
          doc_id          INTEGER,
          charge_key      TEXT,
          storno_of       INTEGER REFERENCES billing_accrual(id),
          reversed_by     INTEGER REFERENCES billing_accrual(id)
        ) STRICT;
        -- A subscription is billed once per period: a second run finds its
        -- lines and posts nothing, or only the difference after a change.
        -- Period first, so a run's lines are also found by its period (cancel).
        CREATE UNIQUE INDEX billing_accrual_once ON billing_accrual (period, subscription_id, seq)
          WHERE subscription_id IS NOT NULL AND storno_of IS NULL;
        CREATE UNIQUE INDEX billing_accrual_charge ON billing_accrual (account_id, charge_key)
          WHERE charge_key IS NOT NULL;
        CREATE INDEX billing_accrual_account ON billing_accrual (account_id, period);

        -- The credit side: payments, idempotent by (channel, txn_id). The
        -- first answer is kept and replayed verbatim to a repeated request.
        CREATE TABLE billing_payment (
          id          INTEGER PRIMARY KEY,
          channel     TEXT NOT NULL,
          txn_id      TEXT NOT NULL,
          account_id  INTEGER NOT NULL REFERENCES billing_account(id),
          amount      INTEGER NOT NULL,
          date        TEXT NOT NULL,    -- business date (from txn_date)
          txn_date    TEXT NOT NULL,    -- as the agent stated it, local time
          received_at TEXT NOT NULL,
          answer      TEXT NOT NULL,
          storno_of   INTEGER REFERENCES billing_payment(id),
          reversed_by INTEGER REFERENCES billing_payment(id),
          doc_id      INTEGER
        ) STRICT;
        -- Storno rows carry "storno:<txn_id>" for people; they are not keys.
        CREATE UNIQUE INDEX billing_payment_txn ON billing_payment (channel, txn_id)
          WHERE storno_of IS NULL;
        CREATE INDEX billing_payment_account ON billing_payment (account_id, date);

        CREATE TABLE billing_dunning_stage (
          code       TEXT PRIMARY KEY,
          position   INTEGER NOT NULL,
          days       INTEGER NOT NULL,
          min_amount INTEGER NOT NULL,
          effect     TEXT NOT NULL
        ) STRICT;
        -- A case is one debt of one account: opened when it falls overdue,
        -- closed when it is paid; each stage fires at most once per case.
        CREATE TABLE billing_dunning_case (
          id         INTEGER PRIMARY KEY,
          account_id INTEGER NOT NULL REFERENCES billing_account(id),
          opened_on  TEXT NOT NULL,
          closed_on  TEXT
        ) STRICT;
        CREATE UNIQUE INDEX billing_dunning_open ON billing_dunning_case (account_id)
          WHERE closed_on IS NULL;
        CREATE TABLE billing_dunning_action (
          case_id      INTEGER NOT NULL REFERENCES billing_dunning_case(id),
          stage        TEXT NOT NULL,
          emitted_on   TEXT NOT NULL,
          days_overdue INTEGER NOT NULL,
          debt         INTEGER NOT NULL,
          effect       TEXT NOT NULL,
          PRIMARY KEY (case_id, stage)
        ) STRICT, WITHOUT ROWID;

        -- Bank statement lines, deduplicated on what identifies a bank
        -- document (the format has no transaction id).
        CREATE TABLE billing_statement_line (
          id           INTEGER PRIMARY KEY,
          dedup_key    TEXT NOT NULL UNIQUE,
          number       TEXT NOT NULL,
          date         TEXT NOT NULL,
          amount       INTEGER NOT NULL,
          payer_name   TEXT,
          payer_inn    TEXT,
          payer_account TEXT,
          purpose      TEXT,
          status       TEXT NOT NULL,   -- posted | unmatched | resolved
          account_id   INTEGER REFERENCES billing_account(id),
          payment_id   INTEGER REFERENCES billing_payment(id),
          imported_at  TEXT NOT NULL
        ) STRICT;
        CREATE INDEX billing_statement_unmatched ON billing_statement_line (status)
          WHERE status = 'unmatched';

        CREATE TABLE billing_journal (
          id     INTEGER PRIMARY KEY,
          at     TEXT NOT NULL,
          actor  TEXT,
          action TEXT NOT NULL,
          object TEXT NOT NULL,
          detail TEXT NOT NULL,
          reason TEXT
        ) STRICT;
      )sql"},
                                           {2, R"sql(
        -- Closing a period: nothing dated on or before the closed day may be
        -- posted or changed any more. One row per close or reopen; the latest
        -- row is in force (until NULL: nothing is closed).
        CREATE TABLE billing_period_close (
          id     INTEGER PRIMARY KEY,
          action TEXT NOT NULL,   -- close | reopen
          until  TEXT,
          at     TEXT NOT NULL,
          actor  TEXT,
          reason TEXT
        ) STRICT;
      )sql"},
                                           {3, R"sql(
        -- The reduced VAT rates a USN payer who charges VAT may choose from
        -- 2025-01-01 (Federal Law 12.07.2024 No. 176-FZ, Tax Code art. 164
        -- p. 8): 5% and 7%, without deductions.
        INSERT OR IGNORE INTO billing_tax_rate VALUES
          ('ru_vat_5', '2025-01-01', NULL, '5', 'НДС 5% (УСН, 176-ФЗ)'),
          ('ru_vat_7', '2025-01-01', NULL, '7', 'НДС 7% (УСН, 176-ФЗ)');
      )sql"},
                                           {4, R"sql(
        -- Storage for speed (issue 15). An accrual line is written with one
        -- index entry instead of two and no foreign-key look-ups: the
        -- account index and the once-per-period index become one unique
        -- index led by the account (a subscription belongs to one account,
        -- so (account, period, subscription, seq) is unique exactly when
        -- (period, subscription, seq) is; a storno row repeats the seq of
        -- the line it reverses and is told apart by the last column). Lines
        -- are written by billing's code alone, which keeps their
        -- references; the table carries none.
        CREATE TABLE billing_accrual_v4 (
          id              INTEGER PRIMARY KEY,
          account_id      INTEGER NOT NULL,
          subscription_id INTEGER,
          period          TEXT NOT NULL,
          seq             INTEGER NOT NULL,
          kind            TEXT NOT NULL,  -- fee | freeze | adjustment | charge | storno
          name            TEXT NOT NULL,
          date            TEXT NOT NULL,  -- posting date: counts in balances from this day
          due_date        TEXT NOT NULL,
          date_from       TEXT,
          date_to         TEXT,
          days            INTEGER,
          base            INTEGER NOT NULL,
          discount        INTEGER NOT NULL,
          amount          INTEGER NOT NULL, -- owed, VAT included
          vat             INTEGER NOT NULL,
          tax_code        TEXT NOT NULL,
          vat_rate        TEXT NOT NULL,    -- "22", "none": the rate as resolved on the supply date
          vat_mode        TEXT NOT NULL,
          run_id          INTEGER,          -- billing_run(id)
          doc_id          INTEGER,
          charge_key      TEXT,
          storno_of       INTEGER,          -- billing_accrual(id)
          reversed_by     INTEGER           -- billing_accrual(id)
        ) STRICT;
        INSERT INTO billing_accrual_v4 (id, account_id, subscription_id, period, seq, kind, name,
          date, due_date, date_from, date_to, days, base, discount, amount, vat, tax_code,
          vat_rate, vat_mode, run_id, doc_id, charge_key, storno_of, reversed_by)
        SELECT id, account_id, subscription_id, period, seq, kind, name, date, due_date,
          date_from, date_to, days, base, discount, amount, vat, tax_code, vat_rate, vat_mode,
          run_id, doc_id, charge_key, storno_of, reversed_by FROM billing_accrual;
        DROP TABLE billing_accrual;
        ALTER TABLE billing_accrual_v4 RENAME TO billing_accrual;
        CREATE UNIQUE INDEX billing_accrual_account
          ON billing_accrual (account_id, period, subscription_id, seq, (storno_of IS NOT NULL));
        CREATE UNIQUE INDEX billing_accrual_charge ON billing_accrual (account_id, charge_key)
          WHERE charge_key IS NOT NULL;

        -- What a run reads of a subscription, in the order it bills them
        -- (account, then subscription): no table look-ups and no sort.
        DROP INDEX billing_subscription_account;
        CREATE INDEX billing_subscription_account
          ON billing_subscription (account_id, id, start_date, end_date);

        -- A run's progress is one row per chunk of accounts it finished,
        -- with that chunk's totals per currency: chunks never update a
        -- shared row, so several workers may each claim and finish ranges
        -- of one run. A run's figures are the sums of its chunks.
        CREATE TABLE billing_run_chunk (
          run_id        INTEGER NOT NULL REFERENCES billing_run(id),
          first_account INTEGER NOT NULL,
          last_account  INTEGER NOT NULL,
          accounts      INTEGER NOT NULL,
          lines         INTEGER NOT NULL,
          finished_at   TEXT NOT NULL,
          PRIMARY KEY (run_id, first_account)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE billing_run_chunk_total (
          run_id        INTEGER NOT NULL,
          first_account INTEGER NOT NULL,
          currency      TEXT NOT NULL,
          amount        INTEGER NOT NULL,
          vat           INTEGER NOT NULL,
          PRIMARY KEY (run_id, first_account, currency),
          FOREIGN KEY (run_id, first_account) REFERENCES billing_run_chunk (run_id, first_account)
        ) STRICT, WITHOUT ROWID;
        -- Runs recorded before: their progress becomes one chunk from the
        -- first account to the cursor, carrying their counts and totals.
        INSERT INTO billing_run_chunk (run_id, first_account, last_account, accounts, lines,
          finished_at)
        SELECT id, 1, cursor, accounts, lines, COALESCE(finished_at, started_at) FROM billing_run
        WHERE cursor > 0;
        INSERT INTO billing_run_chunk_total (run_id, first_account, currency, amount, vat)
        SELECT run_id, 1, currency, amount, vat FROM billing_run_total
        WHERE run_id IN (SELECT run_id FROM billing_run_chunk);
        DROP TABLE billing_run_total;
        ALTER TABLE billing_run DROP COLUMN cursor;
        ALTER TABLE billing_run DROP COLUMN accounts;
        ALTER TABLE billing_run DROP COLUMN lines;
      )sql"},
                                           {5, R"sql(
        -- A run as a work list (issue 16): its chunks are planned when it
        -- starts, ranges of account ids that any number of workers claim
        -- with a lease. A claim sets the owner and the lease's end (by the
        -- handle's clock) and bumps the token; a worker commits its chunk
        -- only while the token is still the one it claimed with (fencing),
        -- so a worker whose lease ran out and was taken over rolls back.
        -- numbers: the accrual document numbers reserved for the chunk
        -- (JSON: sequence scope -> numbers), kept for whoever bills it.
        -- Chunks recorded before are done.
        CREATE TABLE billing_run_chunk_v5 (
          run_id        INTEGER NOT NULL REFERENCES billing_run(id),
          first_account INTEGER NOT NULL,
          last_account  INTEGER NOT NULL,
          state         TEXT NOT NULL,     -- pending | leased | done | cancelled
          owner         TEXT,              -- the worker holding or last holding it
          lease_until   TEXT,
          token         INTEGER NOT NULL,  -- bumped at each claim
          attempts      INTEGER NOT NULL,
          numbers       TEXT,
          accounts      INTEGER NOT NULL,
          lines         INTEGER NOT NULL,
          finished_at   TEXT,
          PRIMARY KEY (run_id, first_account)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO billing_run_chunk_v5 (run_id, first_account, last_account, state, owner,
          lease_until, token, attempts, numbers, accounts, lines, finished_at)
        SELECT run_id, first_account, last_account, 'done', NULL, NULL, 1, 1, NULL, accounts,
          lines, finished_at FROM billing_run_chunk;
        DROP TABLE billing_run_chunk;
        ALTER TABLE billing_run_chunk_v5 RENAME TO billing_run_chunk;
        -- The chunks still to bill, found by the claim without a scan.
        CREATE INDEX billing_run_chunk_open ON billing_run_chunk (run_id, state, first_account)
          WHERE state IN ('pending', 'leased');
        -- How a run is planned, for workers that join it: accounts per
        -- chunk and whether it writes accrual documents.
        ALTER TABLE billing_run ADD COLUMN chunk_size INTEGER NOT NULL DEFAULT 10000;
        ALTER TABLE billing_run ADD COLUMN documents INTEGER NOT NULL DEFAULT 1;
      )sql",
                                            true,
                                            // PostgreSQL keeps the table the chunk totals
                                            // refer to and adds the columns in place.
                                            R"sql(
        ALTER TABLE billing_run_chunk
          ADD COLUMN state TEXT COLLATE "C" NOT NULL DEFAULT 'done',
          ADD COLUMN owner TEXT COLLATE "C",
          ADD COLUMN lease_until TEXT COLLATE "C",
          ADD COLUMN token BIGINT NOT NULL DEFAULT 1,
          ADD COLUMN attempts BIGINT NOT NULL DEFAULT 1,
          ADD COLUMN numbers TEXT COLLATE "C",
          ALTER COLUMN finished_at DROP NOT NULL;
        ALTER TABLE billing_run_chunk ALTER COLUMN state DROP DEFAULT,
          ALTER COLUMN token DROP DEFAULT, ALTER COLUMN attempts DROP DEFAULT;
        CREATE INDEX billing_run_chunk_open ON billing_run_chunk (run_id, state, first_account)
          WHERE state IN ('pending', 'leased');
        ALTER TABLE billing_run ADD COLUMN chunk_size BIGINT NOT NULL DEFAULT 10000;
        ALTER TABLE billing_run ADD COLUMN documents BIGINT NOT NULL DEFAULT 1;
      )sql"}}};
  return module;
}

}  // namespace opora::billing
