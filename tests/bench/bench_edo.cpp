// EDO benchmark (issue 6), one core:
//  1. requisites checks per second (INN-10, INN-12, KPP, OGRN, OGRNIP, BIK +
//     account key; valid and invalid values mixed), beside the bare
//     INN-10 checksum arithmetic on the same values in the same run (the
//     floor: what a check costs without building errors); target 10,000,000/s;
//  2. edo.packet.validate + edo.packet.render through the engine for UPD
//     documents of 10 items (packets of 40, Diadoc's limit), on an in-memory
//     database and on a file, beside render_upd alone on the same documents
//     (the renderer's floor); target 5,000 documents/s.
//
//   opora_bench_edo [checks=20000000] [documents=4000] [dir=/tmp]
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/requisites.hpp"
#include "edo/internal.hpp"
#include "edo/upd.hpp"
#include "engine/database.hpp"

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void row(const char* what, double rate, const char* unit, double target) {
  std::printf("%-58s %12.0f %s   target %10.0f   %s (ratio %.2f)\n", what, rate, unit, target,
              rate >= target ? "met" : "NOT met", rate / target);
}

// ---- 1. requisites ----------------------------------------------------------

struct Value {
  const char* text;
  int kind;  // 0 inn10, 1 inn12, 2 kpp, 3 ogrn, 4 ogrnip, 5 bik+account
  const char* account;
};

const Value kValues[] = {{"7707083893", 0, nullptr},
                         {"7830002293", 0, nullptr},
                         {"1234567895", 0, nullptr},
                         {"6663003127", 0, nullptr},
                         {"500100732259", 1, nullptr},
                         {"123456789037", 1, nullptr},
                         {"773601001", 2, nullptr},
                         {"7701a1001", 2, nullptr},
                         {"1027700132195", 3, nullptr},
                         {"1022500001328", 3, nullptr},
                         {"385768585948949", 4, nullptr},
                         {"304500116000158", 4, nullptr},
                         {"044525225", 5, "30101810400000000225"},
                         {"049805746", 5, "40602810800000000025"}};
constexpr size_t kValueCount = sizeof kValues / sizeof kValues[0];

bool check(const Value& v, opora::FieldErrors& errors) {
  using namespace opora::requisites;
  // Field paths are built once, as a validator walking a party has them.
  static const std::string inn = "inn", kpp = "kpp", ogrn = "ogrn", bik = "bik",
                           account = "account";
  switch (v.kind) {
    case 0:
      return check_inn10(v.text, inn, errors);
    case 1:
      return check_inn12(v.text, inn, errors);
    case 2:
      return check_kpp(v.text, kpp, errors);
    case 3:
      return check_ogrn(v.text, ogrn, errors);
    case 4:
      return check_ogrnip(v.text, ogrn, errors);
    default:
      return check_bank_account(v.text, v.account, bik, account, errors);
  }
}

// The INN-10 check digit, nothing else: the floor of a check.
bool bare_inn10(const char* s) {
  static const int w[] = {2, 4, 10, 3, 5, 9, 4, 6, 8};
  int sum = 0;
  for (int i = 0; i < 10; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  for (int i = 0; i < 9; ++i) sum += (s[i] - '0') * w[i];
  return sum % 11 % 10 == s[9] - '0';
}

// Checks `n` values cycling through `values`; returns the rate.
double rate_of(const std::vector<Value>& values, long n, long& valid) {
  valid = 0;
  opora::FieldErrors errors;
  const auto t0 = Clock::now();
  for (long i = 0; i < n; ++i) {
    if (check(values[static_cast<size_t>(i) % values.size()], errors)) ++valid;
    // A caller reports the problems and drops them.
    if ((i & 1023) == 0) errors = opora::FieldErrors();
  }
  return static_cast<double>(n) / since(t0);
}

void bench_requisites(long n) {
  std::vector<Value> all(std::begin(kValues), std::end(kValues));
  std::vector<Value> valid_only;
  {
    opora::FieldErrors scratch;
    for (const auto& v : all)
      if (check(v, scratch)) valid_only.push_back(v);
  }
  long valid = 0, mixed_valid = 0;
  const double clean = rate_of(valid_only, n, valid);
  const double mixed = rate_of(all, n, mixed_valid);
  long bare_valid = 0;
  const auto t0 = Clock::now();
  for (long i = 0; i < n; ++i)
    if (bare_inn10(kValues[static_cast<size_t>(i) % 4].text)) ++bare_valid;
  const double bare = static_cast<double>(n) / since(t0);
  std::printf("== 1. requisites checks, %ld each way (inn10/12, kpp, ogrn, ogrnip, bik+account)\n",
              n);
  row("valid values (what a clean packet has)", clean, "/s", 1e7);
  row("valid and invalid mixed (6 of 14 invalid, errors built)", mixed, "/s", 1e7);
  std::printf("%-58s %12.0f /s   (floor: bare INN-10 digit arithmetic)\n",
              "bare INN-10 check digit", bare);
  std::printf("(valid results: %ld clean, %ld mixed, %ld bare)\n", valid, mixed_valid, bare_valid);
}

// ---- 2. validate + render ---------------------------------------------------

const char* kOur = R"({"code": "our", "role": "our", "type": "company", "name": "ООО «Вектор»",
  "inn": "6663003127", "kpp": "666301001", "address": "620017, г. Екатеринбург, пр-т Космонавтов, д. 56",
  "participant_id": "2BM-6663003127-666301001-202207281004154081709", "box_id": "a@diadoc",
  "signer": {"last_name": "Сидоров", "first_name": "Павел", "position": "Генеральный директор"}})";
const char* kThem = R"({"code": "ctr", "role": "counterparty", "type": "company",
  "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
  "address": "117997, г. Москва, ул. Вавилова, д. 19",
  "participant_id": "2BM-7707083893-773601001-201911151206271234567", "box_id": "b@diadoc"})";

json::object act(int n) {
  json::array items;
  for (int i = 0; i < 10; ++i)
    items.push_back({{"name", "Услуга связи, тариф «Бизнес-" + std::to_string(i + 1) +
                                  "», лицевой счёт " + std::to_string(100000 + n)},
                     {"unit", "мес"},
                     {"quantity", std::to_string(1 + i % 3)},
                     {"price", std::to_string(1000 + 37 * i) + ".50"},
                     {"vat_rate", "22"}});
  return {{"kind", "act"},
          {"date", "2026-11-20"},
          {"refs", json::array{"bench:deal:" + std::to_string(n / 40)}},
          {"organization", json::parse(R"({"type": "company", "name": "ООО «Вектор»",
             "inn": "6663003127", "kpp": "666301001"})")},
          {"counterparty", json::parse(R"({"type": "company", "name": "ООО «Ромашка»",
             "inn": "7707083893", "kpp": "773601001"})")},
          {"items", std::move(items)}};
}

struct Run {
  double validate = 0, render = 0;
  double cpu = 0;  // CPU seconds of validate + render
  long documents = 0;
  std::vector<opora::edo::UpdDocument> upd;  // for the renderer alone
};

Run run_engine(const std::string& path, long documents) {
  Run r;
  opora::engine::Database db(
      path,
      opora::engine::OpenOptions::parse(
          json::parse(
              R"({"clock": "manual", "now": "2026-11-23T09:00:00+03:00", "utc_offset": "+03:00",
                    "synchronous": "normal"})")
              .as_object()));
  db.call("edo.party.put", json::parse(kOur).as_object());
  db.call("edo.party.put", json::parse(kThem).as_object());
  std::vector<int64_t> packets;
  {
    opora::store::Transaction tx(db.connection());
    json::array batch;
    for (long i = 0; i < documents; ++i) {
      batch.push_back(db.call("registry.put", act(static_cast<int>(i))).at("id"));
      if (batch.size() == 40 || i + 1 == documents) {
        packets.push_back(db.call("edo.packet.create", {{"documents", batch},
                                                        {"sender", "our"},
                                                        {"recipient", "ctr"},
                                                        {"operator", "diadoc"}})
                              .at("packet")
                              .as_int64());
        batch.clear();
      }
    }
    tx.commit();
  }
  const double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  for (int64_t p : packets)
    if (db.call("edo.packet.validate", {{"packet", p}}).at("valid") != true) {
      std::fprintf(stderr, "bench: packet %lld is not valid\n", static_cast<long long>(p));
      std::exit(1);
    }
  r.validate = since(t0);
  t0 = Clock::now();
  for (int64_t p : packets) db.call("edo.packet.render", {{"packet", p}});
  r.render = since(t0);
  r.cpu = cpu_seconds() - cpu0;
  r.documents = documents;
  // The same documents as UpdDocuments, for the renderer alone.
  const json::object packet = db.call("edo.packet.get", {{"packet", packets.front()}});
  const json::object sender = db.call("edo.party.get", {{"party", "our"}});
  const json::object recipient = db.call("edo.party.get", {{"party", "ctr"}});
  for (const auto& e : packet.at("documents").as_array()) {
    const json::object doc = db.registry().get(e.at("document").as_int64(), false);
    r.upd.push_back(opora::edo::upd_of(db.registry(), doc, e.as_object(), sender, recipient,
                                       opora::Timestamp(1795413600), 180));
  }
  return r;
}

void bench_render(long documents, const std::string& dir) {
  std::printf("\n== 2. validate + render, UPD (ДОП) with 10 items, packets of 40\n");
  for (const bool file : {false, true}) {
    const std::string path = file ? dir + "/opora_bench_edo.db" : ":memory:";
    if (file)
      for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
    const Run r = run_engine(path, documents);
    const double both = r.validate + r.render;
    char what[96];
    std::snprintf(what, sizeof what, "validate + render (%s), documents", file ? "file" : "memory");
    row(what, static_cast<double>(r.documents) / both, "/s", 5000);
    std::printf("%-58s validate %.0f /s, render %.0f /s\n", "",
                static_cast<double>(r.documents) / r.validate,
                static_cast<double>(r.documents) / r.render);
    // On one core: the process's CPU time, steadier than the wall clock on a
    // shared machine.
    row("  the same by CPU time (one core)", static_cast<double>(r.documents) / r.cpu, "/s", 5000);
    if (!file) {
      const long reps = 50;
      size_t bytes = 0;
      const auto t0 = Clock::now();
      for (long k = 0; k < reps; ++k)
        for (const auto& u : r.upd) bytes += opora::edo::render_upd(u).bytes.size();
      const double secs = since(t0);
      const double n = static_cast<double>(reps * static_cast<long>(r.upd.size()));
      std::printf("%-58s %12.0f /s   (floor: render_upd alone, %.0f bytes each)\n",
                  "render_upd alone", n / secs, static_cast<double>(bytes) / n);
    }
    if (file)
      for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long checks = argc > 1 ? std::atol(argv[1]) : 20000000;
  const long documents = argc > 2 ? std::atol(argv[2]) : 4000;
  const std::string dir = argc > 3 ? argv[3] : "/tmp";
  try {
    bench_requisites(checks);
    bench_render(documents, dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
