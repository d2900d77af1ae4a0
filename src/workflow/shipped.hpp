// The workflow definitions shipped inside the library (data/workflows/*.json):
// the seeds' processes, ready for workflow.install. Parsed once, on first use.
//
// Thread safety: both functions may be called from any thread; the parsed
// definitions are immutable after the first call.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

namespace opora::workflow {

// The ids of the shipped definitions, sorted ("act_signing", "dunning", ...).
std::vector<std::string> shipped_ids();

// The body of a shipped definition, as workflow.define takes it. Throws
// Error(not_found) naming field "id" for an id that is not shipped.
const boost::json::object& shipped_definition(const std::string& id);

}  // namespace opora::workflow
