// registry.file.attach / file.get / files and registry.link / unlink /
// links: content stored once per SHA-256, path references, the size limit,
// typed links in both directions.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "core/base64.hpp"
#include "registry/registry_fixture.hpp"

namespace json = boost::json;
using opora::Error;
using opora::ErrorCode;
using namespace opora::test::reg;

namespace {

// The first bytes of a PDF, with a NUL and high bytes so nothing is text-only.
const char kPdf[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n\0\x01\xff";
const std::string kPdfBytes(kPdf, sizeof kPdf - 1);

json::object attach(RegistryDb& r, int64_t id, std::string_view name, const std::string& bytes,
                    std::string_view role = "original") {
  return r.call("registry.file.attach",
                json::object{{"id", id},
                             {"name", json::string(name)},
                             {"mime", "application/pdf"},
                             {"role", json::string(role)},
                             {"content_base64", opora::base64_encode(bytes)}});
}

json::object file_get(RegistryDb& r, const json::value& file_id) {
  return r.call("registry.file.get", json::object{{"file", file_id}});
}

std::string bytes_of(const json::object& file) {
  return *opora::base64_decode(file.at("content_base64").as_string());
}

json::object link(RegistryDb& r, int64_t from, int64_t to, std::string_view type) {
  return r.call("registry.link",
                json::object{{"from", from}, {"to", to}, {"type", json::string(type)}});
}

json::array links_of(RegistryDb& r, int64_t id) {
  return r.call("registry.links", json::object{{"document", id}}).at("links").as_array();
}

// Lines of an export of one type.
int count_lines(const std::string& jsonl, std::string_view type) {
  int n = 0;
  size_t start = 0;
  while (start < jsonl.size()) {
    size_t end = jsonl.find('\n', start);
    if (end == std::string::npos) end = jsonl.size();
    const auto line = json::parse(std::string_view(jsonl).substr(start, end - start));
    if (text(line.at("type")) == type) ++n;
    start = end + 1;
  }
  return n;
}

}  // namespace

// --- files ------------------------------------------------------------------

TEST_CASE("an attached file records its name, MIME type, role, size and SHA-256") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const auto f = r.call("registry.file.attach", json::object{{"document", id},
                                                             {"name", "Акт АКТ-2026-000001.pdf"},
                                                             {"mime", "application/pdf"},
                                                             {"role", "signed_copy"},
                                                             {"content_base64", "aGVsbG8="},
                                                             {"actor", "manager:ivanova"}});
  CHECK(f.at("file_id").as_int64() >= 1);
  CHECK(f.at("id") == id);
  CHECK(f.at("name") == "Акт АКТ-2026-000001.pdf");
  CHECK(f.at("mime") == "application/pdf");
  CHECK(f.at("role") == "signed_copy");
  CHECK(f.at("size") == 5);
  // SHA-256 of "hello"
  CHECK(f.at("sha256") == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  CHECK(f.at("path").is_null());
  CHECK(f.at("attached_at") == "2026-11-23T09:00:00Z");
  CHECK(f.at("actor") == "manager:ivanova");
  CHECK_FALSE(f.contains("content_base64"));
}

TEST_CASE("registry.file.get returns the same bytes that were attached") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const auto f = attach(r, id, "act.pdf", kPdfBytes);
  const auto got = file_get(r, f.at("file_id"));
  CHECK(bytes_of(got) == kPdfBytes);
  CHECK(got.at("size") == static_cast<int64_t>(kPdfBytes.size()));
  CHECK(got.at("sha256") == f.at("sha256"));
}

TEST_CASE("a file without a MIME type or role is an original octet stream") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const auto f = r.call("registry.file.attach",
                        json::object{{"id", id}, {"name", "scan"}, {"content_base64", "AAEC"}});
  CHECK(f.at("mime") == "application/octet-stream");
  CHECK(f.at("role") == "original");
  CHECK(f.at("actor").is_null());
}

TEST_CASE("an empty file is stored with size 0") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const auto f = attach(r, id, "empty.txt", "");
  CHECK(f.at("size") == 0);
  CHECK(f.at("sha256") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(bytes_of(file_get(r, f.at("file_id"))).empty());
}

TEST_CASE("the same content attached twice is two files over one stored blob") {
  RegistryDb r;
  const int64_t act_id = id_of(r.put(act()));
  const int64_t upd_id = id_of(r.put(with(act(), "kind", R"("upd")")));
  const auto a = attach(r, act_id, "act.pdf", kPdfBytes);
  const auto b = attach(r, upd_id, "upd-copy.pdf", kPdfBytes, "printed_form");
  CHECK(a.at("file_id") != b.at("file_id"));
  const auto ga = file_get(r, a.at("file_id"));
  const auto gb = file_get(r, b.at("file_id"));
  CHECK(ga.at("sha256") == gb.at("sha256"));
  CHECK(bytes_of(ga) == bytes_of(gb));
  CHECK(ga.at("name") == "act.pdf");
  CHECK(gb.at("name") == "upd-copy.pdf");
  const std::string jsonl = text(r.call("registry.export", "{}").at("jsonl"));
  CHECK(count_lines(jsonl, "file") == 2);
  CHECK(count_lines(jsonl, "blob") == 1);
}

TEST_CASE("a path reference stores where the host keeps the file, without content") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const auto f =
      r.call("registry.file.attach", json::object{{"document", id},
                                                  {"name", "scan.tiff"},
                                                  {"mime", "image/tiff"},
                                                  {"role", "scan"},
                                                  {"path", "/srv/edo/2026/11/act-000001.tiff"},
                                                  {"size", 1048576}});
  CHECK(f.at("path") == "/srv/edo/2026/11/act-000001.tiff");
  CHECK(f.at("size") == 1048576);
  CHECK(f.at("sha256").is_null());
  const auto got = file_get(r, f.at("file_id"));
  CHECK(got.at("path") == "/srv/edo/2026/11/act-000001.tiff");
  CHECK_FALSE(got.contains("content_base64"));
  const auto unsized = r.call(
      "registry.file.attach",
      json::object{{"id", id}, {"name", "scan2.tiff"}, {"path", "s3://edo/act-000001-2.tiff"}});
  CHECK(unsized.at("size").is_null());
}

TEST_CASE("a file needs exactly one of content and path") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  auto e = r.error(
      "registry.file.attach",
      json::object{
          {"id", id}, {"name", "x.pdf"}, {"content_base64", "aGVsbG8="}, {"path", "/srv/x.pdf"}});
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "content_base64", "content_or_path"));
  e = r.error("registry.file.attach", json::object{{"document", id}, {"name", "x.pdf"}});
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "content_base64", "content_or_path"));
  CHECK(r.call("registry.files", json::object{{"document", id}}).at("files").as_array().empty());
}

TEST_CASE("content that is not base64 is refused") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  for (const char* bad : {"aGVsbG8", "aGVsbG8=!", "a===", "aGVs bG8=", "привет==", "aGVsbG9="}) {
    INFO(std::string(bad));
    const auto e = r.error("registry.file.attach",
                           json::object{{"id", id}, {"name", "x.bin"}, {"content_base64", bad}});
    CHECK(e.code() == ErrorCode::invalid);
    CHECK(has_error(e, "content_base64", "base64"));
  }
  CHECK(r.call("registry.files", json::object{{"document", id}}).at("files").as_array().empty());
}

TEST_CASE("a file larger than the open option max_file_bytes is refused with file_too_large") {
  RegistryDb r(R"({"clock": "manual", "now": "2026-11-23T09:00:00Z", "max_file_bytes": 1024})");
  const int64_t id = id_of(r.put(act()));
  const auto fits = attach(r, id, "fits.pdf", std::string(1024, 'x'));
  CHECK(fits.at("size") == 1024);
  for (size_t size : {size_t{1025}, size_t{1026}, size_t{1027}, size_t{4096}}) {
    INFO(size);
    const auto e =
        r.error("registry.file.attach",
                json::object{{"id", id},
                             {"name", "big.pdf"},
                             {"content_base64", opora::base64_encode(std::string(size, 'x'))}});
    CHECK(e.code() == ErrorCode::validation);
    CHECK(has_error(e, "content_base64", "file_too_large"));
  }
  CHECK(r.call("registry.files", json::object{{"document", id}}).at("files").as_array().size() ==
        1);
}

TEST_CASE("a file cannot be attached to a missing or deleted document") {
  RegistryDb r;
  auto e = r.error("registry.file.attach",
                   json::object{{"id", 404}, {"name", "x.pdf"}, {"content_base64", "aGVsbG8="}});
  CHECK(e.code() == ErrorCode::not_found);
  const int64_t id = id_of(r.put(act()));
  r.call("registry.delete", json::object{{"document", id}});
  e = r.error("registry.file.attach",
              json::object{{"id", id}, {"name", "x.pdf"}, {"content_base64", "aGVsbG8="}});
  CHECK(e.code() == ErrorCode::state);
}

TEST_CASE("registry.files lists a document's files as metadata, in attach order") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const int64_t other = id_of(r.put(act()));
  attach(r, id, "act.pdf", kPdfBytes);
  attach(r, other, "other.pdf", "other");
  attach(r, id, "act-signed.pdf", "signed", "signed_copy");
  const auto files =
      r.call("registry.files", json::object{{"document", id}}).at("files").as_array();
  REQUIRE(files.size() == 2);
  CHECK(files[0].at("name") == "act.pdf");
  CHECK(files[1].at("name") == "act-signed.pdf");
  CHECK(files[1].at("role") == "signed_copy");
  for (const auto& f : files) CHECK_FALSE(f.as_object().contains("content_base64"));
  const auto doc = r.get(id);
  CHECK(doc.at("files") == json::value(files));
}

TEST_CASE("registry.file.get of an unknown file is not found") {
  RegistryDb r;
  const auto e = r.error("registry.file.get", R"({"file": 77})");
  CHECK(e.code() == ErrorCode::not_found);
  CHECK(has_error(e, "file", "not_found"));
}

TEST_CASE("registry.files of an unknown document is not found") {
  RegistryDb r;
  CHECK(outcome([&] { r.call("registry.files", R"({"document": 404})"); }) == ErrorCode::not_found);
}

TEST_CASE("bad file parameters are refused, not crashes") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  for (const char* p : {
           R"({"name": "x", "content_base64": "AA=="})",
           R"({"id": 1, "content_base64": "AA=="})",
           R"({"id": 1, "name": "", "content_base64": "AA=="})",
           R"({"id": 1, "name": "x", "role": "copy", "content_base64": "AA=="})",
           R"({"id": 1, "name": "x", "content_base64": 12})",
           R"({"id": 1, "name": "x", "path": "/x", "size": -1})",
           R"({"id": 1, "name": "x", "path": "/x", "size": 18446744073709551615})",
           R"({"id": 18446744073709551615, "name": "x", "content_base64": "AA=="})",
           R"({"id": "1", "name": "x", "content_base64": "AA=="})",
       }) {
    INFO(std::string(p));
    const ErrorCode code = outcome([&] { r.call("registry.file.attach", p); });
    CHECK((code == ErrorCode::invalid || code == ErrorCode::not_found));
  }
  CHECK(r.call("registry.files", json::object{{"document", id}}).at("files").as_array().empty());
  CHECK(outcome([&] { r.call("registry.file.get", R"({"file": 18446744073709551615})"); }) ==
        ErrorCode::invalid);
}

// --- links ------------------------------------------------------------------

TEST_CASE("a link joins two documents with a type and is journalled once") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  const int64_t c = id_of(r.put(contract()));
  const auto l = link(r, a, c, "basis");
  CHECK(l.at("from") == a);
  CHECK(l.at("to") == c);
  CHECK(l.at("type") == "basis");
  CHECK(l.at("created") == true);
  int added = 0;
  for (const auto& e : r.entries(a)) added += e.at("action") == "link_added" ? 1 : 0;
  CHECK(added == 1);
}

TEST_CASE("adding an existing link changes nothing and says created false") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  const int64_t c = id_of(r.put(contract()));
  link(r, a, c, "basis");
  const auto again = link(r, a, c, "basis");
  CHECK(again.at("created") == false);
  CHECK(links_of(r, a).size() == 1);
  int added = 0;
  for (const auto& e : r.entries(a)) added += e.at("action") == "link_added" ? 1 : 0;
  CHECK(added == 1);
}

TEST_CASE("links are listed from both ends with their direction") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  const int64_t c = id_of(r.put(contract()));
  const int64_t inv = id_of(r.put(with(act(), "kind", R"("invoice")")));
  r.call("registry.link",
         json::object{{"from", a}, {"to", c}, {"type", "basis"}, {"actor", "manager:ivanova"}});
  link(r, inv, a, "part_of_packet");
  const auto from_act = links_of(r, a);
  REQUIRE(from_act.size() == 2);
  CHECK(from_act[0] ==
        json::parse(R"({"from": )" + std::to_string(a) + R"(, "type": "basis", "to": )" +
                    std::to_string(c) + R"(, "created_at": "2026-11-23T09:00:00Z",
      "actor": "manager:ivanova", "direction": "out"})"));
  CHECK(from_act[1].at("from") == inv);
  CHECK(from_act[1].at("type") == "part_of_packet");
  CHECK(from_act[1].at("direction") == "in");
  const auto to_contract = links_of(r, c);
  REQUIRE(to_contract.size() == 1);
  CHECK(to_contract[0].at("from") == a);
  CHECK(to_contract[0].at("direction") == "in");
  CHECK(r.get(a).at("links") == json::value(from_act));
}

TEST_CASE("two links of different types between the same documents are distinct") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  const int64_t c = id_of(r.put(contract()));
  CHECK(link(r, a, c, "basis").at("created") == true);
  CHECK(link(r, a, c, "attachment_of").at("created") == true);
  CHECK(link(r, c, a, "corrects").at("created") == true);
  CHECK(links_of(r, a).size() == 3);
}

TEST_CASE("unlink removes a link, journals it, and a second unlink is not found") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  const int64_t c = id_of(r.put(contract()));
  link(r, a, c, "basis");
  link(r, a, c, "attachment_of");
  const auto u = r.call("registry.unlink", json::object{{"from", a},
                                                        {"to", c},
                                                        {"type", "basis"},
                                                        {"actor", "manager:ivanova"},
                                                        {"reason", "ошибочная связь"}});
  CHECK(u.at("removed") == true);
  const auto left = links_of(r, a);
  REQUIRE(left.size() == 1);
  CHECK(left[0].at("type") == "attachment_of");
  const auto entries = r.entries(a);
  const auto& last = entries.back();
  CHECK(last.at("action") == "link_removed");
  CHECK(last.at("field") == "basis");
  CHECK(text(last.at("old")) == std::to_string(c));
  CHECK(last.at("reason") == "ошибочная связь");
  const auto e =
      r.error("registry.unlink", json::object{{"from", a}, {"to", c}, {"type", "basis"}});
  CHECK(e.code() == ErrorCode::not_found);
}

TEST_CASE("a link to or from a missing document is not found") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  auto e = r.error("registry.link", json::object{{"from", a}, {"to", 999}, {"type", "basis"}});
  CHECK(e.code() == ErrorCode::not_found);
  CHECK(has_error(e, "to", "not_found"));
  e = r.error("registry.link", json::object{{"from", 998}, {"to", 999}, {"type", "basis"}});
  CHECK(has_error(e, "from", "not_found"));
  CHECK(has_error(e, "to", "not_found"));
  CHECK(links_of(r, a).empty());
}

TEST_CASE("a link to a deleted document is not found") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  const int64_t c = id_of(r.put(contract()));
  r.call("registry.delete", json::object{{"document", c}});
  const auto e = r.error("registry.link", json::object{{"from", a}, {"to", c}, {"type", "basis"}});
  CHECK(e.code() == ErrorCode::not_found);
}

TEST_CASE("a document cannot link to itself and link types are a closed list") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  const int64_t c = id_of(r.put(contract()));
  auto e = r.error("registry.link", json::object{{"from", a}, {"to", a}, {"type", "basis"}});
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "to", "self_link"));
  e = r.error("registry.link", json::object{{"from", a}, {"to", c}, {"type", "related"}});
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "type", "enum"));
  e = r.error("registry.link", json::object{{"from", a}, {"to", 0}, {"type", "basis"}});
  CHECK(e.code() == ErrorCode::invalid);
}

TEST_CASE("registry.links of an unknown document is not found") {
  RegistryDb r;
  CHECK(outcome([&] { r.call("registry.links", R"({"document": 404})"); }) == ErrorCode::not_found);
}
