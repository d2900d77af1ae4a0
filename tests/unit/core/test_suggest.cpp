#include <doctest/doctest.h>

#include "core/suggest.hpp"

using opora::closest_name;

namespace {

const std::vector<std::string> kItem = {"name",  "code",     "unit",     "quantity",
                                        "price", "discount", "vat_rate", "vat_mode",
                                        "net",   "vat",      "gross"};
const std::vector<std::string> kFind = {
    "kind",     "status",     "counterparty_inn", "ref",      "date_from",
    "date_to",  "amount_min", "amount_max",       "currency", "valid_on",
    "is_final", "custom",     "include_deleted",  "sort",     "limit",
    "cursor"};

}  // namespace

TEST_CASE("a typo suggests the name it is one or two edits from") {
  CHECK(closest_name("dat", {"subscription", "date", "actor", "reason"}) == "date");
  CHECK(closest_name("lmiit", kFind) == "limit");       // two letters swapped
  CHECK(closest_name("staus", kFind) == "status");      // one letter missing
  CHECK(closest_name("curency", kFind) == "currency");  // one letter missing
  CHECK(closest_name("discont", kItem) == "discount");
}

TEST_CASE("an abbreviation suggests the name it abbreviates") {
  CHECK(closest_name("qty", kItem) == "quantity");
  CHECK(closest_name("amt", {"account", "amount"}) == "amount");
}

TEST_CASE("another spelling of the same name suggests it") {
  CHECK(closest_name("dateFrom", kFind) == "date_from");
  CHECK(closest_name("VAT-RATE", kItem) == "vat_rate");
}

TEST_CASE("a prefix either way suggests the name") {
  CHECK(closest_name("counterparty", kFind) == "counterparty_inn");
  CHECK(closest_name("include_deleted_too", kFind) == "include_deleted");
}

TEST_CASE("nothing close suggests nothing") {
  CHECK_FALSE(closest_name("colour", kItem));
  CHECK_FALSE(closest_name("x", kItem));
  CHECK_FALSE(closest_name("", kItem));
  CHECK_FALSE(closest_name("anything", {}));
  CHECK_FALSE(closest_name(std::string(1000, 'a'), kItem));
}

TEST_CASE("the unknown-field message suggests or lists the known names") {
  CHECK(opora::unknown_field_message("qty", kItem) ==
        "is not a known field; did you mean \"quantity\"?");
  CHECK(opora::unknown_field_message("colour", {"name", "code"}) ==
        "is not a known field (known: name, code)");
  CHECK(opora::unknown_field_message("colour", {}) ==
        "is not a known field: this object takes no fields");
}
