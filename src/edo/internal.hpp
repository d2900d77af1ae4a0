// Shared inside the EDO module.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/timestamp.hpp"
#include "edo/edo.hpp"
#include "edo/upd.hpp"
#include "registry/registry.hpp"

namespace opora::edo {

// A party's own checks (requisites, KPP rule, participant id shape, signer,
// bank), each problem under `path`.
void check_party(const boost::json::object& p, const std::string& path, FieldErrors& errors);

// The registry's context for a change EDO makes: when, and who (the caller,
// or "edo" when the change comes from the operator).
registry::Context registry_context(const Context& ctx, const char* reason = nullptr);

// Whether a signer signs by a machine-readable power of attorney (МЧД): its
// number given, СпосПодтПолном 3, or the operator's default МЧД asked for.
bool signs_by_poa(const boost::json::object& signer);

// The INN of the power of attorney's issuer (доверитель): the signer's
// poa_issuer_inn, else our organisation's own INN.
std::string poa_issuer_inn(const boost::json::object& sender);

// The signer and the МЧД as the SBIS request carries them (Документ.Подписант),
// or null when the signer signs without one.
boost::json::value sbis_signer(const boost::json::object& sender);

// The document's id in the operator's request (Diadoc CustomDocumentId,
// SBIS Вложение.Идентификатор prefix): "opora:<packet>:<document>".
std::string custom_document_id(int64_t packet, int64_t document);

// Whether the UPD writer has the ISO numeric code of a currency (render.cpp).
bool upd_currency_known(const std::string& alpha);

// The UPD of a registry document in a packet (render.cpp). Validation builds
// it too and runs the renderer, so what rendering would refuse is reported
// before rendering.
UpdDocument upd_of(registry::Registry& registry, const boost::json::object& doc,
                   const boost::json::object& entry, const boost::json::object& sender,
                   const boost::json::object& recipient, const Timestamp& formed, int utc_offset);

}  // namespace opora::edo
