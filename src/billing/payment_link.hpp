// Payment links: the page of a payment provider (PayOnline, a bank's
// acquiring) where a customer pays one order, built from a template our
// organisation holds ("https://pay.example.ru/{uid}?amount={amount}") or a
// call passes. An agent sends the link to a messenger and shows it as a QR.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace opora::billing {

// The placeholders a template may hold, each replaced by a value
// percent-encoded for a URL (RFC 3986 unreserved characters stay as they are):
//   {number}   the order's number (ЗК-2026-000001)
//   {amount}   the amount to pay, "1234.50"
//   {document} the order's document id
//   {uid}      the document's UUID, where the registry keeps one
// "{{" and "}}" stand for literal braces.
inline constexpr const char* kPaymentLinkPlaceholders[] = {"number", "amount", "document", "uid"};

// Adds to `errors` under `field`: "pattern" unless the template is an
// absolute http or https URL of printable ASCII and UTF-8 without spaces,
// "placeholder" for an unknown or unclosed {…}, "length" over 2000 bytes.
void check_payment_link(const std::string& tmpl, const std::string& field, FieldErrors& errors);

// The link with every placeholder replaced. A placeholder whose value is
// nullopt (a document without a uid) is Error(validation) naming `field`,
// rule "<name>_unavailable". The template is checked first (Error(invalid)).
std::string expand_payment_link(const std::string& tmpl,
                                const std::map<std::string, std::optional<std::string>>& values,
                                const std::string& field);

}  // namespace opora::billing
