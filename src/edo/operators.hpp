// What differs between operators and document kinds, as data: the
// participant id prefix, the document limit of one message, how each
// registry kind travels (formalised UPD or an attachment, the operator's
// type/function/version), how an operator's raw status fields read as
// opora's normalised statuses, and which registry status each one means.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

namespace opora::edo {

// The whole table (edo.operator_types returns it).
const boost::json::object& operator_table();

// {prefix, title, max_documents, kinds: {...}} or nullptr.
const boost::json::object* operator_info(const std::string& op);
// How `kind` travels through `op`: {form, type, function, version, two_sided?} or nullptr.
const boost::json::object* kind_route(const std::string& op, const std::string& kind);
// "diadoc" for "2BM-...", "sbis" for "2BE-...", "" for other prefixes.
std::string operator_of(const std::string& participant_id);

// Normalised document statuses in the order they can follow each other; an
// event never moves a document to an earlier one, so events applied twice
// or out of order end in the same state.
int status_rank(const std::string& status);  // -1: not a status
// The normalised status an operator's raw fields mean, or "" if none.
// `revocation` picks the facet: revocation_requested / revoked, or the rest.
std::string status_from_raw(const std::string& op, const boost::json::object& raw, bool two_sided,
                            bool revocation);
// The registry status a normalised status means for a kind, or "".
std::string registry_status(const std::string& kind, const std::string& status);

}  // namespace opora::edo
