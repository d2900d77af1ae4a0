// Object changes: how a module that owns exchangeable objects (registry
// documents, catalogue items, stock) tells the exchange that one of them
// changed, inside the transaction of the change. The exchange registers the
// change for every node that should receive it, in that same transaction, so
// a change and its registration commit or roll back together (1C's exchange
// plans register the same way).
//
// The interface lives in core so that no module depends on the exchange
// module, or on the engine, to report a change.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace opora {

struct ObjectChange {
  // "document", "product", "price_type", "warehouse", "price", "stock"
  std::string_view type;
  // The object's global id: a UUID for documents and catalogue items; a
  // stable composite for rows that belong to others ("<item uid>@<warehouse>").
  std::string_view uid;
  // The object's canonical JSON after the change (what exchange.out sends);
  // nullptr when the object was removed.
  const boost::json::object* body = nullptr;
};

class ObjectChangeListener {
 public:
  virtual ~ObjectChangeListener() = default;
  // Whether any node takes objects of `type` (and, for documents, of this
  // `kind`): a module may skip building a body nobody would read.
  virtual bool wants(std::string_view type, std::string_view kind) = 0;
  // Called in the caller's transaction; throws what the registration throws
  // (the caller's transaction then rolls back).
  virtual void object_changed(const ObjectChange& change) = 0;
};

}  // namespace opora
