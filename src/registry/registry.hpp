// The document registry: every business document of a deal or a company,
// numbered, versioned, linked, searchable, with a change journal.
//
// Methods take and return JSON objects (already checked against the method
// schemas by the engine) and throw opora::Error. The engine runs each
// mutating call inside one transaction, so a failure leaves nothing behind.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/timestamp.hpp"
#include "registry/document.hpp"
#include "registry/kinds.hpp"

namespace opora {
class ObjectChangeListener;
}

namespace opora::store {
class Connection;
struct SchemaModule;
}  // namespace opora::store

namespace opora::registry {

// The registry's tables (document, refs, links, files, journal, search index).
const store::SchemaModule& schema();

// Who acts and when: the journal records both.
struct Context {
  Timestamp now{0};
  Date today{2000, 1, 1};
  std::optional<std::string> actor;
  std::optional<std::string> reason;
  int64_t max_file_bytes = 64 * 1024 * 1024;
  // A change received through the exchange: the node it came from and the
  // number of its message, recorded in the journal beside every change.
  std::optional<std::string> origin_node;
  std::optional<int64_t> origin_msg_no;
  // The central file's word is final on a node: its status is taken as it
  // comes, whether or not the kind's transitions lead there from the node's
  // (a node may never have seen the statuses between).
  bool authoritative = false;
};

class Registry {
 public:
  explicit Registry(store::Connection& conn) : conn_(conn) {}

  // kinds
  const Kind& kind(const std::string& id, const std::string& field);
  boost::json::object define_kind(const boost::json::object& definition, const Context& ctx);
  boost::json::object list_kinds();

  // writing documents (writer.cpp)
  boost::json::object put(const boost::json::object& params, const Context& ctx);
  boost::json::object put_many(const boost::json::array& documents, const Context& ctx);
  // New documents the library builds itself (billing's accrual documents),
  // written without put_many's reading and checking of JSON: the caller
  // gives kind, date, parties, refs, currency, vat_mode, items (name, unit,
  // quantity, price, discount, vat_rate, vat_mode) and custom; no id,
  // number, uid, status, supersedes or basis. Each is completed in place:
  // amounts (compute_amounts), the kind's initial status and countersign
  // rule, its number and id. What is stored (numbers, uids, document, ref,
  // journal and index-queue rows, changes reported to the exchange) is
  // exactly what put_many stores for the same documents written as JSON;
  // tests/unit/registry/test_registry_create_many.cpp holds the two equal.
  // Rows are written many to a statement. Throws Error(internal) for a
  // document the library should not have built (writer.cpp, bulk_rows.cpp).
  void create_many(std::vector<Document>& documents, const Context& ctx);
  // The same for documents whose numbers were taken before with
  // take_numbers (each carries its number): the sequences are not touched,
  // so the caller's transaction holds no sequence row while it writes.
  void create_many_numbered(std::vector<Document>& documents, const Context& ctx);
  // The sequence a new document of `d`'s kind and date is numbered in
  // (kind, organisation if numbered so, year if the pattern has one).
  std::string sequence_scope(const Document& d);
  // Takes the next `count` numbers of `d`'s sequence, as create_many would
  // give them to `count` such documents one after another, and moves the
  // sequence past them. Meant for a short transaction of its own, so that
  // writers that number in bulk (a billing run's workers) hold the
  // sequence's row only as long as it takes to move it.
  std::vector<std::string> take_numbers(const Document& d, size_t count, const Context& ctx);
  boost::json::object set_status(int64_t id, const std::string& status,
                                 std::optional<int64_t> expected_version, const Context& ctx);
  boost::json::object remove(int64_t id, const Context& ctx);
  boost::json::object restore(int64_t id, const Context& ctx);
  boost::json::object next_number(const std::string& kind, const Date& date,
                                  const std::optional<std::string>& organization_tax_id);

  // reading (queries.cpp)
  boost::json::object get(int64_t id, bool include_deleted);
  boost::json::object history(int64_t id);
  boost::json::object find(const boost::json::object& params, const Context& ctx);
  boost::json::object missing(const boost::json::object& params);
  boost::json::object expiring(const boost::json::object& params, const Context& ctx);
  boost::json::object search(const boost::json::object& params);

  // The full-text index (search_index.cpp). Writes queue the documents they
  // touch; flush_index() indexes every queued document and returns how many
  // (inside the caller's write transaction). catch_up_index() does that in
  // a transaction of its own when anything is queued and the handle can
  // write; the engine calls it before registry.search opens its read.
  int64_t flush_index();
  void catch_up_index();
  bool index_pending();

 private:
  // Indexes the queued documents into this connection's temp index, for a
  // search that finds the queue not empty (a read-only handle).
  void index_pending_documents();

 public:
  // Completes order items that name a catalogue product (the engine wires
  // the catalogue); null: such items are taken as given.
  void set_item_resolver(ItemResolver* resolver) noexcept { item_resolver_ = resolver; }

  // Content stored once per SHA-256 (files.cpp): documents' files and the
  // catalogue's pictures share it. store_blob returns the SHA-256 (64
  // lower-case hex digits) of `bytes`, storing them unless already there.
  std::string store_blob(std::string_view bytes);
  bool has_blob(std::string_view sha256);
  std::optional<std::string> blob(std::string_view sha256);

  // links and files (links.cpp, files.cpp)
  boost::json::object link(int64_t from, int64_t to, const std::string& type, const Context& ctx);
  boost::json::object unlink(int64_t from, int64_t to, const std::string& type, const Context& ctx);
  boost::json::object links(int64_t id);
  boost::json::object attach_file(const boost::json::object& params, const Context& ctx);
  boost::json::object get_file(int64_t file_id);
  boost::json::object get_file_meta(int64_t file_id);
  boost::json::object list_files(int64_t id);

  // transfer (transfer.cpp): JSON lines that reproduce the registry
  boost::json::object export_lines(const boost::json::object& params);
  boost::json::object import_lines(const boost::json::object& params, const Context& ctx);

  // exchange (exchange.cpp): global ids, change reporting, documents as the
  // exchange carries them
  // Where new documents' uids come from (the handle's id source) and who
  // hears of changed documents (the exchange; null: nobody).
  void set_uid_source(std::function<std::string()> source) { new_uid_ = std::move(source); }
  void set_change_listener(ObjectChangeListener* listener) { listener_ = listener; }
  // A prefix for the numbers this file issues itself: a node's numbers are
  // provisional ("T7/ЗК-2026-000001") until the central file gives the final one.
  void set_number_prefix(std::optional<std::string> prefix) { number_prefix_ = std::move(prefix); }
  const std::optional<std::string>& number_prefix() const { return number_prefix_; }
  // Reports every document changed since the last call to the listener, with
  // its exchange form (nullptr when deleted). Called by the engine before a
  // call commits, and by the exchange after each object it applies.
  void flush_changes();
  // Forgets changes not reported (their transaction rolled back).
  void discard_changes() { changed_.clear(); }
  std::optional<int64_t> find_uid(std::string_view uid);
  // A document as the exchange carries it: registry.get's members without
  // what is local to this file (ids, files, links, version, timestamps).
  boost::json::object exchange_body(const boost::json::object& document);
  // Creates or updates the document `uid` from its exchange form; `number`
  // absent gives it this file's next number. Returns the stored document.
  boost::json::object put_exchanged(std::string_view uid, const boost::json::object& body,
                                    const Context& ctx);
  // Documents of `kinds` (all when empty) with uid > after, in uid order.
  std::vector<boost::json::object> documents_after(const std::vector<std::string>& kinds,
                                                   std::string_view after, int64_t limit);

  // shared by the parts above
  void journal(int64_t doc_id, const Context& ctx, const char* action, const char* field,
               const std::optional<std::string>& old_value,
               const std::optional<std::string>& new_value);
  // The stored document (body plus columns), or Error(not_found) naming `field`.
  boost::json::object load(int64_t id, const std::string& field, bool include_deleted = true);

 private:
  class Writer;
  // One journal row; a write keeps its rows and writes them in bulk.
  struct JournalEntry {
    int64_t doc_id = 0;
    std::string at, action;
    std::optional<std::string> actor, field, old_value, new_value, reason, origin_node;
    std::optional<int64_t> origin_msg_no;
  };
  // `at` is ctx.now as text (a write formats it once for all its rows).
  JournalEntry journal_entry(int64_t doc_id, const Context& ctx, std::string at, const char* action,
                             const char* field, std::optional<std::string> old_value,
                             std::optional<std::string> new_value);
  // Writes the rows in their order (their ids keep it), many per statement.
  void write_journal(const std::vector<JournalEntry>& entries);
  void refresh_kinds();
  // Files and links of a document known to exist.
  boost::json::array files_of(int64_t id);
  boost::json::array links_of(int64_t id);
  boost::json::object set_deleted(int64_t id, bool deleted, const Context& ctx);
  // create_many and create_many_numbered (writer.cpp).
  void create_documents(std::vector<Document>& documents, const Context& ctx, bool numbered);

  store::Connection& conn_;
  std::function<std::string()> new_uid_;
  ObjectChangeListener* listener_ = nullptr;
  std::optional<std::string> number_prefix_;
  std::set<int64_t> changed_;  // documents changed and not yet reported
  ItemResolver* item_resolver_ = nullptr;
  std::map<std::string, Kind> custom_kinds_;
  int64_t seen_data_version_ = -1;
  int64_t seen_rollbacks_ = -1;
};

}  // namespace opora::registry
