// Billing's storage laid out for speed (issue 15): migration 4 carries a
// ledger written in the previous layout forward without loss.
#include <cstdio>
#include <string>

#include "billing_fixture.hpp"
#include "store/migrations.hpp"
#include "store/sqlite.hpp"

using namespace opora::test::bill;

namespace {

// Puts a file written by this library back into billing's layout of
// migration 3: the accrual table with its references and its two indexes,
// the run's cursor and counts on its own row, its totals in
// billing_run_total, no planned chunks. What migration 4 receives from an
// existing database (and then migration 5).
void back_to_layout_3(const std::string& path) {
  opora::store::SqliteConnection conn(path, {});
  conn.exec("PRAGMA foreign_keys=OFF");
  conn.exec(R"sql(
    BEGIN;
    ALTER TABLE billing_run DROP COLUMN chunk_size;
    ALTER TABLE billing_run DROP COLUMN documents;
    DELETE FROM billing_run_chunk WHERE state <> 'done';
    ALTER TABLE billing_run ADD COLUMN cursor INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE billing_run ADD COLUMN accounts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE billing_run ADD COLUMN lines INTEGER NOT NULL DEFAULT 0;
    UPDATE billing_run SET
      cursor = (SELECT COALESCE(MAX(last_account), 0) FROM billing_run_chunk c
                WHERE c.run_id = billing_run.id),
      accounts = (SELECT COALESCE(SUM(accounts), 0) FROM billing_run_chunk c
                  WHERE c.run_id = billing_run.id),
      lines = (SELECT COALESCE(SUM(lines), 0) FROM billing_run_chunk c
               WHERE c.run_id = billing_run.id);
    CREATE TABLE billing_run_total (
      run_id   INTEGER NOT NULL REFERENCES billing_run(id),
      currency TEXT NOT NULL,
      amount   INTEGER NOT NULL,
      vat      INTEGER NOT NULL,
      PRIMARY KEY (run_id, currency)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO billing_run_total
      SELECT run_id, currency, SUM(amount), SUM(vat) FROM billing_run_chunk_total
      GROUP BY run_id, currency;
    DROP TABLE billing_run_chunk_total;
    DROP TABLE billing_run_chunk;
    CREATE TABLE billing_accrual_v3 (
      id              INTEGER PRIMARY KEY,
      account_id      INTEGER NOT NULL REFERENCES billing_account(id),
      subscription_id INTEGER,
      period          TEXT NOT NULL,
      seq             INTEGER NOT NULL,
      kind            TEXT NOT NULL,
      name            TEXT NOT NULL,
      date            TEXT NOT NULL,
      due_date        TEXT NOT NULL,
      date_from       TEXT,
      date_to         TEXT,
      days            INTEGER,
      base            INTEGER NOT NULL,
      discount        INTEGER NOT NULL,
      amount          INTEGER NOT NULL,
      vat             INTEGER NOT NULL,
      tax_code        TEXT NOT NULL,
      vat_rate        TEXT NOT NULL,
      vat_mode        TEXT NOT NULL,
      run_id          INTEGER REFERENCES billing_run(id),
      doc_id          INTEGER,
      charge_key      TEXT,
      storno_of       INTEGER REFERENCES billing_accrual(id),
      reversed_by     INTEGER REFERENCES billing_accrual(id)
    ) STRICT;
    INSERT INTO billing_accrual_v3 SELECT * FROM billing_accrual;
    DROP TABLE billing_accrual;
    ALTER TABLE billing_accrual_v3 RENAME TO billing_accrual;
    CREATE UNIQUE INDEX billing_accrual_once ON billing_accrual (period, subscription_id, seq)
      WHERE subscription_id IS NOT NULL AND storno_of IS NULL;
    CREATE UNIQUE INDEX billing_accrual_charge ON billing_accrual (account_id, charge_key)
      WHERE charge_key IS NOT NULL;
    CREATE INDEX billing_accrual_account ON billing_accrual (account_id, period);
    UPDATE opora_schema SET version = 3 WHERE module = 'billing';
    COMMIT;
  )sql");
}

struct TempFile {
  std::string path;
  explicit TempFile(std::string p) : path(std::move(p)) { remove(); }
  ~TempFile() { remove(); }
  void remove() const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::remove((path + suffix).c_str());
  }
};

}  // namespace

TEST_CASE("migration 4 carries accrual lines, runs and their totals forward") {
  const TempFile file("/tmp/opora-unit-billing-storage.db");
  json::array ledger_a, ledger_b, runs;
  json::object balance_a;
  int64_t october = 0;
  {
    BillingDb b(BillingDb::kDefaultOptions, file.path);
    b.monthly("net", "600.00");
    b.account("100001");
    b.account("100002", "KZT");
    b.connect("100001", "net", "2026-09-01");
    b.tariff(
        R"({"code": "kz", "name": "Интернет KZ", "fee": "5000.00", "currency": "KZT", "tax": "kz_vat"})");
    b.connect("100002", "kz", "2026-09-15");
    b.set_clock("2026-10-01");
    october = b.run("2026-10").at("run").as_int64();
    b.set_clock("2026-11-01");
    b.run("2026-11", false);
    b.charge("100001", "Выезд мастера", "350.00");
    b.pay("100001", "600.00", "t-1");
    // A cancelled run: its lines and their stornos both carried.
    b.cancel(b.run("2026-09").at("run").as_int64());
    ledger_a = b.ledger("100001");
    ledger_b = b.ledger("100002");
    balance_a = b.balance("100001");
    runs = b.call("billing.run.list", "{}").at("runs").as_array();
  }
  back_to_layout_3(file.path);
  {
    opora::store::SqliteConnection conn(file.path, {});
    REQUIRE(opora::store::schema_version(conn, "billing") == 3);
  }
  BillingDb b(BillingDb::kDefaultOptions, file.path);
  {
    opora::store::SqliteConnection conn(file.path, {});
    CHECK(opora::store::schema_version(conn, "billing") >= 4);
  }
  CHECK(b.ledger("100001") == ledger_a);
  CHECK(b.ledger("100002") == ledger_b);
  CHECK(b.balance("100001") == balance_a);
  // Each run keeps its counts and its totals per currency.
  CHECK(b.call("billing.run.list", "{}").at("runs").as_array() == runs);
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].at("accounts").as_int64() == 2);
  CHECK(runs[0].at("totals").as_array().size() == 2);
  // The once-per-period rule holds over carried lines: a run of a billed
  // month posts nothing...
  CHECK(b.run("2026-11").at("new_lines").as_int64() == 0);
  // ...and a carried run can still be cancelled whole.
  const json::object cancelled = b.cancel(october);
  CHECK(cancelled.at("lines_reversed").as_int64() == 2);
  CHECK(cancelled.at("status").as_string() == "cancelled");
  // A charge key stays unique.
  b.call("billing.charge",
         R"({"account": "100001", "name": "Роутер", "amount": "900.00", "key": "r-1"})");
  CHECK(b.call("billing.charge",
               R"({"account": "100001", "name": "Роутер", "amount": "900.00", "key": "r-1"})")
            .at("replayed")
            .as_bool());
}

TEST_CASE("a run records one row per chunk and sums them; a repeated payment finds its key") {
  BillingDb b;
  b.monthly("net", "600.00");
  for (const char* n : {"100001", "100002", "100003", "100004", "100005"}) {
    b.account(n);
    b.connect(n, "net", "2026-10-01");
  }
  const json::object run = b.call("billing.run", R"({"period": "2026-11", "chunk_size": 2})");
  CHECK(run.at("accounts").as_int64() == 5);
  CHECK(run.at("lines").as_int64() == 5);
  REQUIRE(run.at("totals").as_array().size() == 1);
  CHECK(minor(run.at("totals").as_array()[0].at("amount")) == 5 * minor("600.00"));
  // A payment repeated through the INSERT ... ON CONFLICT path answers as
  // the first time; a different amount under the same key is refused.
  const json::object first = b.pay("100001", "100.00", "k-1");
  json::object again = b.pay("100001", "100.00", "k-1");
  CHECK(again.at("replayed").as_bool());
  again["replayed"] = false;
  CHECK(again == first);
  CHECK(b.error("billing.pay", R"({"channel": "kaspi", "txn_id": "k-1", "account": "100001",
                                   "amount": "200.00"})")
            .code() == opora::ErrorCode::conflict);
  CHECK(b.balance_of("100001") == minor("100.00") - minor("600.00"));
}

TEST_CASE("lines written several to a statement are the lines written one by one") {
  // A chunk of 37 accounts goes out in multi-row inserts (and a remainder);
  // a chunk of one account in single-row inserts. Both ledgers agree.
  BillingDb many;
  BillingDb one;
  for (BillingDb* b : {&many, &one}) {
    b->monthly("net", "600.00");
    b->tariff(R"({"code": "kz", "name": "Интернет KZ", "fee": "5000.00", "currency": "KZT"})");
    for (int i = 1; i <= 37; ++i) {
      const std::string n = std::to_string(100000 + i);
      b->account(n, i % 5 == 0 ? "KZT" : "RUB");
      b->connect(n, i % 5 == 0 ? "kz" : "net", i % 3 == 0 ? "2026-11-12" : "2026-10-01");
    }
  }
  const json::object a = many.call("billing.run", R"({"period": "2026-11", "documents": false})");
  const json::object b =
      one.call("billing.run", R"({"period": "2026-11", "documents": false, "chunk_size": 1})");
  CHECK(a.at("lines").as_int64() == 37);
  CHECK(a.at("totals") == b.at("totals"));
  for (int i = 1; i <= 37; ++i) {
    const std::string n = std::to_string(100000 + i);
    REQUIRE(many.accruals(n).size() == 1);
    CHECK(many.ledger(n) == one.ledger(n));
  }
  CHECK(many.run("2026-11", false).at("new_lines").as_int64() == 0);
}
