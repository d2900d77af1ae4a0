// A web shop (1C-Bitrix) as a node with no code on its side: what is
// registered for it goes out as CommerceML 2 files (import.xml, offers.xml,
// orders), numbered and re-sent byte for byte until the site says "success"
// (exchange.commerceml.ack); orders from the site come in through the same
// merge as any node's, each order named by a uid derived from its site id so
// a re-sent file changes nothing.
#include <algorithm>

#include "core/base64.hpp"
#include "core/json_text.hpp"
#include "core/sha256.hpp"
#include "exchange/commerceml.hpp"
#include "exchange/impl.hpp"

namespace opora::exchange {

namespace {

// A name-based UUID (the version-5 layout over SHA-256): the same site order
// is the same document however often the file comes.
std::string uid_from_name(std::string_view name) {
  std::string h = sha256_hex(name).substr(0, 32);
  h[12] = '5';
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

// Which registrations a file carries.
bool file_takes(std::string_view file, std::string_view type) {
  if (file == "import") return type == "product";
  if (file == "offers")
    return type == "price_type" || type == "warehouse" || type == "price" || type == "stock";
  return type == "document";
}

std::string local_time(const Timestamp& now) {
  return now.to_string().substr(0, 19);  // ДатаФормирования, YYYY-MM-DDTHH:MM:SS
}

// The web-shop node a call names: only the central file speaks for a site.
std::shared_ptr<Node> shop_node(Exchange::Impl& x, const json::object& p) {
  if (!x.self().centre())
    fail_field(ErrorCode::state, "node", "centre_only",
               "a web shop exchanges with the central file; this file is a node");
  return x.active_node(p);
}

}  // namespace

json::object Exchange::commerceml_out(const json::object& p, const Context& ctx) {
  const auto node_ptr = shop_node(*impl_, p);
  Node& n = *node_ptr;
  const std::string file(p.at("file").as_string());
  const std::string kind = "commerceml." + file;
  if (n.sent_no > n.acked_no) {
    auto st = impl_->conn.cached(
        "SELECT text, kind, objects FROM exchange_message WHERE node = ?1 AND direction = 'out' "
        "AND msg_no = ?2");
    st->bind(1, n.node).bind(2, n.sent_no);
    if (!st->step() || st->is_null(0))
      throw Error(ErrorCode::internal, "message " + std::to_string(n.sent_no) + " is not stored");
    // The site has not confirmed the last file: it goes again, whichever
    // file was asked for now.
    const std::string text = st->text(0);
    return {{"node", n.node}, {"file", st->text(1).substr(11)}, {"msg_no", n.sent_no},
            {"xml", text},    {"objects", st->int64(2)},        {"resend", true}};
  }
  struct Row {
    std::string type, uid, op;
  };
  std::vector<Row> rows;
  {
    auto st = impl_->conn.cached(
        "SELECT type, uid, op FROM exchange_change WHERE node = ?1 AND msg_no IS NULL ORDER BY "
        "seq");
    st->bind(1, n.node);
    while (st->step())
      if (file_takes(file, st->text(0))) rows.push_back({st->text(0), st->text(1), st->text(2)});
  }
  const int64_t max_objects = p.contains("max_objects") ? p.at("max_objects").as_int64() : 5000;
  if (static_cast<int64_t>(rows.size()) > max_objects)
    rows.resize(static_cast<size_t>(max_objects));

  cml::PackageHeader header;
  header.catalogue_id = p.contains("catalogue") ? std::string(p.at("catalogue").as_string())
                                                : std::string("opora-catalogue");
  header.generated_at = local_time(ctx.now);
  header.changes_only = true;
  std::string xml;
  if (file == "import") {
    cml::CatalogueExport out;
    out.header = header;
    for (const auto& r : rows) {
      std::optional<json::object> body;
      if (catalog_ != nullptr && r.op == "upsert") body = catalog_->object("product", r.uid);
      if (body)
        out.products.push_back(std::move(*body));
      else
        out.removed.push_back(r.uid);
    }
    xml = cml::import_xml(out);
  } else if (file == "offers") {
    cml::OffersExport out;
    out.header = header;
    out.on = ctx.today.to_string();
    std::vector<std::string> codes;
    if (catalog_ != nullptr) {
      out.price_types = catalog_->objects("price_type", "", 1000);
      out.warehouses = catalog_->objects("warehouse", "", 1000);
      for (const auto& r : rows) {
        if (r.type == "price_type" || r.type == "warehouse") continue;
        auto body = catalog_->object(r.type, r.uid);
        if (!body) continue;
        const std::string code(body->at("product").as_string());
        if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
        (r.type == "price" ? out.prices : out.stock).push_back(std::move(*body));
      }
      // An offer needs its price (the schema says so): a stock change takes
      // the product's prices along.
      std::vector<std::string> have;
      for (const auto& pr : out.prices) have.emplace_back(pr.at("uid").as_string());
      for (const auto& code : codes) {
        auto product = catalog_->product_by_code(code);
        if (!product) continue;
        std::vector<std::string> items{std::string(product->at("uid").as_string())};
        if (const auto* vs = product->if_contains("variants"); vs != nullptr && vs->is_array())
          for (const auto& v : vs->get_array()) items.emplace_back(v.at("uid").as_string());
        for (const auto& pt : out.price_types)
          for (const auto& item : items) {
            const std::string uid = std::string(pt.at("uid").as_string()) + "/" + item;
            if (std::find(have.begin(), have.end(), uid) != have.end()) continue;
            if (auto price = catalog_->object("price", uid)) {
              out.prices.push_back(std::move(*price));
              have.push_back(uid);
            }
          }
        out.products.push_back(std::move(*product));
      }
    }
    xml = cml::offers_xml(out);
  } else {
    cml::OrdersExport out;
    out.generated_at = header.generated_at;
    for (const auto& r : rows) {
      const auto id = impl_->registry.find_uid(r.uid);
      if (!id) continue;
      json::object doc = impl_->registry.load(*id, "uid");
      if (doc.at("kind") != "order") continue;
      out.documents.push_back(std::move(doc));
    }
    xml = cml::orders_xml(out);
  }
  const int64_t msg_no = n.sent_no + 1;
  auto stamp = impl_->conn.cached(
      "UPDATE exchange_change SET msg_no = ?4 WHERE node = ?1 AND type = ?2 AND uid = ?3");
  for (const auto& r : rows) {
    stamp->bind(1, n.node).bind(2, r.type).bind(3, r.uid).bind(4, msg_no).run();
    stamp->reset();
  }
  impl_->store_out(n, msg_no, kind, static_cast<int64_t>(rows.size()), xml, ctx);
  return {{"node", n.node},
          {"file", file},
          {"msg_no", msg_no},
          {"xml", xml},
          {"objects", static_cast<int64_t>(rows.size())},
          {"resend", false}};
}

json::object Exchange::commerceml_ack(const json::object& p, const Context& ctx) {
  const auto node_ptr = impl_->node(std::string(p.at("node").as_string()), "node");
  Node& n = *node_ptr;
  const int64_t msg_no = p.at("msg_no").as_int64();
  if (msg_no > n.sent_no)
    fail_field(ErrorCode::validation, "msg_no", "ack_ahead",
               "only " + std::to_string(n.sent_no) + " files were sent to \"" + n.node + "\"");
  impl_->acknowledge(n, msg_no, ctx);
  return {{"node", n.node}, {"acked_no", n.acked_no}};
}

json::object Exchange::commerceml_in(const json::object& p, const Context& ctx) {
  const auto node_ptr = shop_node(*impl_, p);
  Node& n = *node_ptr;
  const std::string xml = base64_decode_field(p.at("content_base64").as_string(), "content_base64");
  const json::array orders = cml::parse_orders(xml, n.node);
  // Each order as a node's edit of the current document: the members the
  // file states over what the central file holds, so a member the file does
  // not state is not taken as cleared.
  json::array objects;
  for (const auto& v : orders) {
    json::object order = v.as_object();
    const std::string ref(order.at("refs").as_array().at(0).as_string());
    const std::string uid = uid_from_name(n.node + "|" + ref);
    json::object entry{{"type", "document"}, {"uid", uid}, {"op", "upsert"}};
    if (const auto id = impl_->registry.find_uid(uid)) {
      const json::object stored = impl_->registry.load(*id, "uid");
      json::object body = impl_->registry.exchange_body(stored);
      order.erase("number");  // the site's number stays in custom.commerceml
      for (auto& kv : order) {
        if (kv.key() == "custom" && body.contains("custom") && body.at("custom").is_object()) {
          for (auto& c : kv.value().as_object()) body.at("custom").as_object()[c.key()] = c.value();
          continue;
        }
        body[kv.key()] = kv.value();
      }
      entry["base_version"] = stored.at("version").as_int64();
      entry["body"] = std::move(body);
    } else {
      entry["base_version"] = 0;
      entry["body"] = std::move(order);
    }
    objects.push_back(std::move(entry));
  }
  const int64_t msg_no = n.received_no + 1;
  json::object receipt = impl_->apply_objects(catalog_, n, msg_no, objects, ctx);
  impl_->set_numbers(n, "received_no", msg_no);
  receipt["node"] = n.node;
  receipt["msg_no"] = msg_no;
  receipt["orders"] = static_cast<int64_t>(orders.size());
  impl_->conn
      .cached(
          "INSERT INTO exchange_message (node, direction, msg_no, kind, objects, bytes, receipt, "
          "created_at) VALUES (?1, 'in', ?2, 'commerceml.orders', ?3, ?4, ?5, ?6)")
      ->bind(1, n.node)
      .bind(2, msg_no)
      .bind(3, static_cast<int64_t>(orders.size()))
      .bind(4, static_cast<int64_t>(xml.size()))
      .bind(5, json::serialize(receipt))
      .bind(6, ctx.now.to_string())
      .run();
  return receipt;
}

}  // namespace opora::exchange
