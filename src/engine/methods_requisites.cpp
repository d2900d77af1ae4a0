// requisites.validate: checksums and formats of Russian and Kazakh
// identifiers, every problem reported at once.
#include <boost/json.hpp>

#include "core/requisites.hpp"
#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"

namespace opora::engine {
namespace json = boost::json;

void register_requisites_methods(MethodTable& t) {
  t.add("requisites.validate",
        "Checks INN, KPP, OGRN, OGRNIP, BIK with a bank account, Kazakh IIN and BIN; an invalid "
        "value is a result, not a failure.",
        R"~({"type": "object", "properties": {
          "inn": {"type": "string", "description": "ИНН: 10 digits (company) or 12 (person, sole trader)"},
          "kpp": {"type": "string", "description": "КПП: 9 characters"},
          "ogrn": {"type": "string", "description": "ОГРН: 13 digits starting with 1 or 5"},
          "ogrnip": {"type": "string", "description": "ОГРНИП: 15 digits starting with 3"},
          "bik": {"type": "string", "description": "БИК: 9 digits; with account, checks the account key"},
          "account": {"type": "string", "description": "20-character settlement or correspondent account (the 6th may be a currency letter, CBR 515); needs bik"},
          "iin": {"type": "string", "description": "Kazakhstan ИИН: 12 digits"},
          "bin": {"type": "string", "description": "Kazakhstan БИН: 12 digits"}
        }})~",
        R"~({"type": "object", "properties": {
          "valid": {"type": "boolean"},
          "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "rule": {"type": "string"}, "message": {"type": "string"}
          }}}
        }})~",
        false, [](Database&, const Params& p) {
          static const char* const kFields[] = {"inn", "kpp",     "ogrn", "ogrnip",
                                                "bik", "account", "iin",  "bin"};
          bool any = false;
          for (const char* f : kFields) any = any || p.has(f);
          if (!any)
            throw Error(ErrorCode::invalid,
                        "requisites.validate needs at least one of inn, kpp, ogrn, ogrnip, bik, "
                        "account, iin, bin",
                        {{"inn", "required", "give at least one requisite to check"}});
          if (p.has("account") && !p.has("bik"))
            fail_field(ErrorCode::invalid, "bik", "required",
                       "an account key can only be checked together with the bank's BIK");

          FieldErrors errors;
          if (auto v = p.opt_str("inn")) requisites::check_inn(*v, "inn", errors);
          if (auto v = p.opt_str("kpp")) requisites::check_kpp(*v, "kpp", errors);
          if (auto v = p.opt_str("ogrn")) requisites::check_ogrn(*v, "ogrn", errors);
          if (auto v = p.opt_str("ogrnip")) requisites::check_ogrnip(*v, "ogrnip", errors);
          if (auto bik = p.opt_str("bik")) {
            if (auto account = p.opt_str("account"))
              requisites::check_bank_account(*bik, *account, "bik", "account", errors);
            else
              requisites::check_bik(*bik, "bik", errors);
          }
          if (auto v = p.opt_str("iin")) requisites::check_kz_iin(*v, "iin", errors);
          if (auto v = p.opt_str("bin")) requisites::check_kz_bin(*v, "bin", errors);

          json::array list;
          for (const auto& e : errors.list())
            list.push_back(
                json::object{{"field", e.field}, {"rule", e.rule}, {"message", e.message}});
          return json::object{{"valid", errors.empty()}, {"errors", std::move(list)}};
        });
}

}  // namespace opora::engine
