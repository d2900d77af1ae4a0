// Registry benchmark (issues 3 and 15): N documents (3 items and 2 refs each)
// in one database file, loaded with registry.put_many through the C ABI,
// printed beside two raw SQLite figures measured in the same run:
//   - the floor: only the rows that must be written for a document to be
//     durable and queryable (the document row with its body and every index
//     find, get and numbering read; 2 ref rows with theirs);
//   - the same rows opora wrote per document before issue 15 (the floor's
//     rows plus the journal row and the full-text row), for comparison with
//     the earlier figures.
// Then registry.index.flush (the full-text indexing taken off the write
// path), latency percentiles of registry.find (by ref, by counterparty INN),
// registry.missing over the deals, registry.search, and the peak resident
// memory (getrusage ru_maxrss).
//
//   opora_bench_registry [documents=1000000] [dir=/tmp] [raw|noraw]
//
// noraw skips both raw figures (the 10M scaling run: the load alone takes
// several minutes).
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "opora/opora.h"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
// CPU seconds of this process: what the work costs when other processes
// compete for the cores (the wall clock counts their time too).
double cpu_now() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

// Deterministic data: the same run twice gives the same database.
uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
uint64_t next_random() {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return rng_state >> 33;
}

// A valid 10-digit INN (checksum per FNS rules) for company number i.
std::string company_inn(int i) {
  static const int w[9] = {2, 4, 10, 3, 5, 9, 4, 6, 8};
  char d[11];
  std::snprintf(d, sizeof d, "77%07d", i % 10000000);
  int sum = 0;
  for (int k = 0; k < 9; ++k) sum += (d[k] - '0') * w[k];
  d[9] = static_cast<char>('0' + sum % 11 % 10);
  d[10] = '\0';
  return d;
}

const char* const kWords[] = {"Ромашка",  "Василёк", "Сокол",  "Вектор", "Полюс",  "Орион",
                              "Меридиан", "Гранит",  "Ладога", "Алтай",  "Байкал", "Север"};
constexpr int kCompanies = 20000;
constexpr int kDocsPerDeal = 10;

std::string company_name(int c) {
  return std::string("ООО «") + kWords[c % 12] + "-" + std::to_string(c) + "»";
}

// Document i of the data set: deal i/10; in each deal a contract, acts,
// invoices and an order; every 7th deal has no act ("deals without acts").
std::string document_json(int i) {
  const int deal = i / kDocsPerDeal;
  const int slot = i % kDocsPerDeal;
  const int company = deal % kCompanies;
  const char* kind = slot == 0  ? "contract"
                     : slot < 4 ? "invoice"
                     : slot < 8 ? (deal % 7 == 0 ? "order" : "act")
                                : "order";
  std::string s = "{\"kind\":\"";
  s += kind;
  s += "\",\"date\":\"2026-";
  char md[8];
  std::snprintf(md, sizeof md, "%02d-%02d", 1 + deal % 12, 1 + slot * 2);
  s += md;
  s += "\",\"counterparty\":{\"type\":\"company\",\"name\":\"" + company_name(company) +
       "\",\"inn\":\"" + company_inn(company) + "\",\"kpp\":\"773601001\"}";
  s += ",\"refs\":[\"bitrix24:deal:" + std::to_string(deal) +
       "\",\"bitrix24:company:" + std::to_string(company) + "\"]";
  if (slot == 0) {
    s += ",\"valid_from\":\"2026-01-01\",\"valid_to\":\"2026-12-31\",\"totals\":{\"gross\":\"" +
         std::to_string(10000 + deal % 1000) + ".00\"}";
  } else {
    s += ",\"items\":[";
    for (int k = 0; k < 3; ++k) {
      if (k) s += ",";
      s += "{\"name\":\"Услуга связи " + std::to_string(k + 1) + " " + kWords[(i + k) % 12] +
           "\",\"quantity\":\"" + std::to_string(1 + k) + "\",\"price\":\"" +
           std::to_string(100 + (i % 900)) + ".50\",\"vat_rate\":\"22\"}";
    }
    s += "]";
  }
  s += ",\"notes\":\"сделка " + std::to_string(deal) + "\"}";
  return s;
}

void must(int rc, const char* what) {
  if (rc != OPORA_OK) {
    std::fprintf(stderr, "%s failed: %s\n", what, opora_last_error_message());
    std::exit(1);
  }
}

struct Percentiles {
  double p50, p99, max;
};

template <typename F>
Percentiles measure(int n, F&& f) {
  std::vector<double> t;
  t.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto start = Clock::now();
    f(i);
    t.push_back(since(start) * 1000.0);
  }
  std::sort(t.begin(), t.end());
  const auto at = [&](double q) {
    return t[std::min(t.size() - 1, static_cast<size_t>(q * static_cast<double>(t.size())))];
  };
  return {at(0.50), at(0.99), t.back()};
}

void call(opora_db* db, const char* method, const std::string& params, std::string* out = nullptr) {
  char* result = nullptr;
  must(opora_db_call(db, method, params.c_str(), &result), method);
  if (out) *out = result;
  opora_free(result);
}

// The raw limit: the same rows opora writes for a document (document row
// with its JSON body, 2 refs, the journal entry, the full-text row), with
// text prepared in advance — no parsing, no checks, no computing.
double raw_cpu = 0;

double raw_sqlite(const std::string& path, int n) {
  std::remove(path.c_str());
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(
      db,
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
      "CREATE TABLE document (id INTEGER PRIMARY KEY, kind TEXT, number TEXT, number_scope TEXT, "
      "date TEXT, cp_tax_id TEXT, currency TEXT, gross INTEGER, status TEXT, is_final INTEGER, "
      "valid_from TEXT, valid_to TEXT, version INTEGER, created_at TEXT, updated_at TEXT, body "
      "TEXT);"
      "CREATE INDEX dn ON document (number_scope, number);"
      "CREATE INDEX dc ON document (cp_tax_id, date, id);"
      "CREATE INDEX dk ON document (kind, date, id);"
      "CREATE TABLE document_ref (ref TEXT, doc_id INTEGER, PRIMARY KEY (ref, doc_id)) WITHOUT "
      "ROWID;"
      "CREATE INDEX rd ON document_ref (doc_id);"
      "CREATE TABLE journal (id INTEGER PRIMARY KEY, doc_id INTEGER, at TEXT, action TEXT, new "
      "TEXT);"
      "CREATE INDEX jd ON journal (doc_id, id);"
      "CREATE VIRTUAL TABLE fts USING fts5 (number, counterparty, basis, items, notes, "
      "tokenize = 'unicode61 remove_diacritics 2');",
      nullptr, nullptr, nullptr);
  std::vector<std::string> bodies;
  double prep = 0, prep_cpu = 0;
  sqlite3_stmt *doc, *ref, *jr, *fts;
  sqlite3_prepare_v2(db,
                     "INSERT INTO document (kind, number, number_scope, date, cp_tax_id, currency, "
                     "gross, status, is_final, version, created_at, updated_at, body) VALUES "
                     "('act', ?1, 'act|2026', '2026-01-01', ?2, 'RUB', 1000, 'draft', 1, 1, "
                     "'2026-11-23T09:00:00Z', '2026-11-23T09:00:00Z', ?3)",
                     -1, &doc, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO document_ref VALUES (?1, ?2)", -1, &ref, nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT INTO journal (doc_id, at, action, new) VALUES (?1, "
                     "'2026-11-23T09:00:00Z', 'created', ?2)",
                     -1, &jr, nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT INTO fts (rowid, number, counterparty, basis, items, notes) VALUES "
                     "(?1, ?2, ?3, '', ?4, ?5)",
                     -1, &fts, nullptr);
  const auto start = Clock::now();
  const double cpu_start = cpu_now();
  for (int i = 0; i < n; ++i) {
    if (i % 10000 == 0) {
      const auto p = Clock::now();
      const double pc = cpu_now();
      bodies.clear();
      for (int j = i; j < std::min(n, i + 10000); ++j) bodies.push_back(document_json(j));
      prep += since(p);
      prep_cpu += cpu_now() - pc;
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    }
    const int deal = i / kDocsPerDeal, company = deal % kCompanies;
    const std::string number = "АКТ-2026-" + std::to_string(i + 1);
    const std::string inn = company_inn(company);
    sqlite3_bind_text(doc, 1, number.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(doc, 2, inn.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(doc, 3, bodies[static_cast<size_t>(i % 10000)].c_str(), -1, SQLITE_STATIC);
    sqlite3_step(doc);
    sqlite3_reset(doc);
    const sqlite3_int64 id = sqlite3_last_insert_rowid(db);
    for (const std::string& r :
         {"bitrix24:deal:" + std::to_string(deal), "bitrix24:company:" + std::to_string(company)}) {
      sqlite3_bind_text(ref, 1, r.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(ref, 2, id);
      sqlite3_step(ref);
      sqlite3_reset(ref);
    }
    sqlite3_bind_int64(jr, 1, id);
    sqlite3_bind_text(jr, 2, number.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(jr);
    sqlite3_reset(jr);
    const std::string cp = company_name(company) + " " + inn;
    const std::string items = std::string("Услуга связи 1 ") + kWords[i % 12] +
                              "\nУслуга связи 2 " + kWords[(i + 1) % 12] + "\nУслуга связи 3 " +
                              kWords[(i + 2) % 12];
    const std::string notes = "сделка " + std::to_string(deal);
    sqlite3_bind_int64(fts, 1, id);
    sqlite3_bind_text(fts, 2, number.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(fts, 3, cp.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(fts, 4, items.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(fts, 5, notes.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(fts);
    sqlite3_reset(fts);
    if (i % 10000 == 9999 || i == n - 1) sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  const double s = since(start) - prep;
  raw_cpu = cpu_now() - cpu_start - prep_cpu;
  for (auto* st : {doc, ref, jr, fts}) sqlite3_finalize(st);
  sqlite3_close(db);
  std::remove(path.c_str());
  return s;
}

// The floor: the smallest set of rows that makes a document durable and
// queryable, in opora's own table layout — the document row with its JSON
// body, uid and every index that find (by kind, date, counterparty INN),
// get by uid and number uniqueness read; its 2 ref rows with the indexes
// find by ref and registry.missing read. Not in the floor: the journal and
// the full-text row (opora writes the journal in the same transaction but
// could defer it; the full-text row is written later, by the index flush),
// and the index queue row opora writes in their place.
double floor_cpu = 0;

double raw_floor(const std::string& path, int n) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(
      db,
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
      "CREATE TABLE document (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, number TEXT NOT NULL, "
      "number_scope TEXT NOT NULL, date TEXT NOT NULL, cp_tax_id TEXT, currency TEXT NOT NULL, "
      "gross INTEGER, status TEXT NOT NULL, is_final INTEGER NOT NULL, valid_from TEXT, valid_to "
      "TEXT, supersedes INTEGER, superseded_by INTEGER, chain_id INTEGER, deleted INTEGER NOT "
      "NULL DEFAULT 0, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT "
      "NULL, body TEXT NOT NULL, uid TEXT) STRICT;"
      "CREATE INDEX document_number ON document (number_scope, number);"
      "CREATE INDEX document_counterparty ON document (cp_tax_id, date, id) WHERE cp_tax_id IS "
      "NOT NULL;"
      "CREATE INDEX document_kind_date ON document (kind, date, id);"
      "CREATE INDEX document_valid_to ON document (kind, valid_to) WHERE valid_to IS NOT NULL;"
      "CREATE UNIQUE INDEX document_uid ON document (uid);"
      "CREATE TABLE document_ref (ref TEXT NOT NULL, kind TEXT NOT NULL, doc_id INTEGER NOT "
      "NULL, live INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (ref, kind, doc_id)) STRICT, WITHOUT "
      "ROWID;"
      "CREATE INDEX document_ref_kind ON document_ref (kind, ref) WHERE live = 1;"
      "CREATE INDEX document_ref_doc ON document_ref (doc_id);",
      nullptr, nullptr, nullptr);
  sqlite3_stmt *doc, *ref;
  sqlite3_prepare_v2(db,
                     "INSERT INTO document (kind, number, number_scope, date, cp_tax_id, currency, "
                     "gross, status, is_final, valid_from, valid_to, version, created_at, "
                     "updated_at, body, uid) VALUES (?1, ?2, ?1, ?3, ?4, 'RUB', 1000, 'draft', 1, "
                     "?5, ?6, 1, '2026-11-23T09:00:00Z', '2026-11-23T09:00:00Z', ?7, ?8)",
                     -1, &doc, nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT INTO document_ref (ref, kind, doc_id, live) VALUES (?1, ?2, ?3, 1)",
                     -1, &ref, nullptr);
  struct Row {
    std::string kind, number, date, inn, body, uid, deal, company;
    bool contract;
  };
  std::vector<Row> rows;
  double prep = 0, prep_cpu = 0;
  const auto start = Clock::now();
  const double cpu_start = cpu_now();
  for (int i = 0; i < n; ++i) {
    if (i % 10000 == 0) {
      // Text prepared in advance for each batch, outside the measured time.
      const auto p = Clock::now();
      const double pc = cpu_now();
      rows.clear();
      for (int j = i; j < std::min(n, i + 10000); ++j) {
        const int deal = j / kDocsPerDeal, slot = j % kDocsPerDeal, company = deal % kCompanies;
        Row r;
        r.contract = slot == 0;
        r.kind = slot == 0 ? "contract" : slot < 4 ? "invoice" : slot < 8 ? "act" : "order";
        r.number = "АКТ-2026-" + std::to_string(j + 1);
        char date[16];
        std::snprintf(date, sizeof date, "2026-%02d-%02d", 1 + deal % 12, 1 + slot * 2);
        r.date = date;
        r.inn = company_inn(company);
        r.body = document_json(j);
        char uid[40];
        std::snprintf(uid, sizeof uid, "%08llx-%04llx-4%03llx-8%03llx-%012llx",
                      static_cast<unsigned long long>(next_random() & 0xffffffffULL),
                      static_cast<unsigned long long>(next_random() & 0xffffULL),
                      static_cast<unsigned long long>(next_random() & 0xfffULL),
                      static_cast<unsigned long long>(next_random() & 0xfffULL),
                      static_cast<unsigned long long>(((next_random() << 31) ^ next_random()) &
                                                      0xffffffffffffULL));
        r.uid = uid;
        r.deal = "bitrix24:deal:" + std::to_string(deal);
        r.company = "bitrix24:company:" + std::to_string(company);
        rows.push_back(std::move(r));
      }
      prep += since(p);
      prep_cpu += cpu_now() - pc;
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    }
    const Row& r = rows[static_cast<size_t>(i % 10000)];
    sqlite3_bind_text(doc, 1, r.kind.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(doc, 2, r.number.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(doc, 3, r.date.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(doc, 4, r.inn.c_str(), -1, SQLITE_STATIC);
    if (r.contract) {
      sqlite3_bind_text(doc, 5, "2026-01-01", -1, SQLITE_STATIC);
      sqlite3_bind_text(doc, 6, "2026-12-31", -1, SQLITE_STATIC);
    } else {
      sqlite3_bind_null(doc, 5);
      sqlite3_bind_null(doc, 6);
    }
    sqlite3_bind_text(doc, 7, r.body.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(doc, 8, r.uid.c_str(), -1, SQLITE_STATIC);
    sqlite3_step(doc);
    sqlite3_reset(doc);
    const sqlite3_int64 id = sqlite3_last_insert_rowid(db);
    for (const std::string* rf : {&r.deal, &r.company}) {
      sqlite3_bind_text(ref, 1, rf->c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(ref, 2, r.kind.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int64(ref, 3, id);
      sqlite3_step(ref);
      sqlite3_reset(ref);
    }
    if (i % 10000 == 9999 || i == n - 1) sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  const double s = since(start) - prep;
  floor_cpu = cpu_now() - cpu_start - prep_cpu;
  for (auto* st : {doc, ref}) sqlite3_finalize(st);
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return s;
}

double peak_mb() {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  const std::string path = dir + "/opora-bench-registry.db";
  const int batch = 10000;
  std::printf("opora %s, SQLite %s; %d documents, 3 items and 2 refs each, batches of %d\n",
              opora_version(), sqlite3_libversion(), n, batch);

  const bool with_raw = argc <= 3 || std::strcmp(argv[3], "noraw") != 0;
  const double raw = with_raw ? raw_sqlite(dir + "/opora-bench-raw.db", n) : 0;
  const double floor = with_raw ? raw_floor(dir + "/opora-bench-floor.db", n) : 0;
  if (with_raw) std::printf("peak memory after the raw runs: %.0f MB\n", peak_mb());

  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  opora_db* db = nullptr;
  must(opora_db_open(
           &db, path.c_str(),
           "{\"synchronous\":\"normal\",\"clock\":\"manual\",\"now\":\"2026-11-23T09:00:00Z\"}"),
       "open");
  // Each batch's request is built outside the measured time, one at a time
  // (10M documents of JSON would not fit in memory at once).
  double ours = 0, ours_cpu = 0;
  for (int i = 0; i < n; i += batch) {
    std::string s = "{\"actor\":\"bench\",\"documents\":[";
    for (int j = i; j < std::min(n, i + batch); ++j) {
      if (j > i) s += ",";
      s += document_json(j);
    }
    s += "]}";
    const auto start = Clock::now();
    const double cpu_start = cpu_now();
    call(db, "registry.put_many", s);
    ours += since(start);
    ours_cpu += cpu_now() - cpu_start;
    if (n >= 2000000 && (i / batch) % 100 == 99)
      std::fprintf(stderr, "  %d documents, %.0f s\n", i + batch, ours);
  }
  if (with_raw) {
    std::printf(
        "registry.put_many   wall %9.0f docs/s   floor %9.0f docs/s   ratio %.2f   raw same rows "
        "(journal, FTS) %9.0f docs/s   ratio %.2f\n",
        n / ours, n / floor, ours / floor, n / raw, ours / raw);
    std::printf(
        "registry.put_many   cpu  %9.0f docs/s   floor %9.0f docs/s   ratio %.2f   raw same rows "
        "(journal, FTS) %9.0f docs/s   ratio %.2f\n",
        n / ours_cpu, n / floor_cpu, ours_cpu / floor_cpu, n / raw_cpu, ours_cpu / raw_cpu);
  } else {
    std::printf("registry.put_many   wall %9.0f docs/s   cpu %9.0f docs/s\n", n / ours,
                n / ours_cpu);
  }
  {
    // The full-text indexing put_many no longer does: registry.index.flush
    // indexes every queued document (registry.search would do it first).
    // (A library from before issue 15 has no such method: it indexed in put_many.)
    char* result = nullptr;
    const auto start = Clock::now();
    const double cpu_start = cpu_now();
    const int rc = opora_db_call(db, "registry.index.flush", "{}", &result);
    const double s = since(start), c = cpu_now() - cpu_start;
    const std::string flushed = rc == OPORA_OK ? result : "(none: indexed by put_many)";
    opora_free(result);
    std::printf("registry.index.flush  %s  wall %.1f s (%.0f docs/s), cpu %.1f s (%.0f docs/s)\n",
                flushed.c_str(), s, n / s, c, n / c);
    std::printf("put_many + flush    cpu  %9.0f docs/s\n", n / (ours_cpu + c));
  }
  std::printf("peak memory after the load: %.0f MB\n", peak_mb());

  const int deals = n / kDocsPerDeal;
  const auto by_ref = measure(1000, [&](int) {
    call(db, "registry.find",
         "{\"ref\":\"bitrix24:deal:" +
             std::to_string(next_random() % static_cast<uint64_t>(deals)) + "\"}");
  });
  std::printf(
      "registry.find by ref         p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  (limit: p99 <= 1 "
      "ms)\n",
      by_ref.p50, by_ref.p99, by_ref.max);
  const auto by_inn = measure(1000, [&](int) {
    call(db, "registry.find",
         "{\"counterparty_inn\":\"" + company_inn(static_cast<int>(next_random() % kCompanies)) +
             "\",\"limit\":20}");
  });
  std::printf(
      "registry.find by INN (20)    p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  (limit: p99 <= 1 "
      "ms)\n",
      by_inn.p50, by_inn.p99, by_inn.max);
  std::string missing;
  const auto miss = measure(3, [&](int) {
    call(db, "registry.missing",
         "{\"having_kind\":\"contract\",\"lacking_kind\":\"act\",\"ref_prefix\":\"bitrix24:deal:\","
         "\"limit\":100000}",
         &missing);
  });
  const auto found = std::count(missing.begin(), missing.end(), ',') + 1;
  std::printf(
      "registry.missing over %d deals: %.0f ms (worst of 3), %ld deals without acts  (limit: <= "
      "1000 ms)\n",
      deals, miss.max, static_cast<long>(found));
  const auto search = measure(300, [&](int i) {
    call(db, "registry.search",
         std::string("{\"query\":\"") + kWords[i % 12] + "-" +
             std::to_string(next_random() % kCompanies) + "\"}");
  });
  std::printf(
      "registry.search one word     p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  (limit: p99 <= 20 "
      "ms)\n",
      search.p50, search.p99, search.max);
  const auto common = measure(100, [&](int i) {
    call(db, "registry.search", std::string("{\"query\":\"") + kWords[i % 12] + "\"}");
  });
  std::printf(
      "registry.search common word  p50 %7.3f ms  p99 %7.3f ms  (matches ~%d documents each)\n",
      common.p50, common.p99, n / 12 * 3);
  std::printf("peak memory (ru_maxrss): %.0f MB\n", peak_mb());
  opora_db_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return 0;
}
