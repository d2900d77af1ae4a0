// The domain events opora's modules publish, with the schema of each one's
// data: what a definition author can write triggers and guards against
// (meta.events, and the catalogue in docs/API.md). A test checks every event
// published against it.
#pragma once

#include <boost/json/array.hpp>

namespace opora::engine {

// [{type, module, summary, key, data}], module by module; built once.
const boost::json::array& event_catalog();

}  // namespace opora::engine
