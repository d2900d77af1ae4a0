// The UPD seller title, format 5.03, written as text. The element order,
// which attributes are required and their limits follow the FNS XSD
// (data/fns/ON_NSCHFDOPPR_1_997_01_05_03_05.xsd) and the schematron rules
// embedded in it; the unit tests validate every variant against that XSD.
//
// One pass writes UTF-8 and records every problem; only a clean document is
// converted to windows-1251 as a whole, so a refused value never reaches the
// output and the caller sees all problems at once.
#include "edo/upd.hpp"

#include <array>
#include <cstdio>
#include <string_view>
#include <utility>

#include "core/cp1251.hpp"
#include "core/error.hpp"
#include "core/requisites.hpp"

namespace opora::edo {
namespace {

constexpr std::string_view kFilePrefix = "ON_NSCHFDOPPR";
constexpr std::string_view kFormatVersion = "5.03";
constexpr std::string_view kKnd = "1115131";
// The document names the order prescribes for ПоФактХЖ and НаимДокОпр; the
// second also names a СЧФДОП in its own line 5а (ДокПодтвОтгрНом).
constexpr std::string_view kShipmentName =
    "Документ об отгрузке товаров (выполнении работ), передаче имущественных прав "
    "(документ об оказании услуг)";
constexpr std::string_view kInvoiceAndShipmentName =
    "Счет-фактура и документ об отгрузке товаров (выполнении работ), передаче имущественных "
    "прав (документ об оказании услуг)";
constexpr std::string_view kWithoutVat = "без НДС";
// НалСт values the XSD enumerates.
constexpr std::array<std::string_view, 18> kVatRates = {
    "0%",     "5%",     "7%",     "9,09%",  "10%",     "16,67%",
    "18%",    "18,03%", "20%",    "22%",    "5/105",   "7/107",
    "10/110", "18/118", "20/120", "22/122", "без НДС", "НДС исчисляется налоговым агентом"};
// Participant ids of EDO operators are at most 46 characters.
constexpr size_t kMaxParticipantId = 46;
// The indicator groups after the GUID in a format-970 file name
// (R_T_A_O_GGGGMMDD_N1_N2_N3_N4_N5_N6_N7): N2 traceable goods (СведПрослеж),
// N3 marked goods, N4 marked alcohol, N5 and N6 further marking kinds, N7 two
// digits. Diadoc names a file with traceable and marked goods
// "…_1_1_0_0_1_00" and one with neither "…_0_0_0_0_0_00"; this renderer
// writes neither kind of data, so its files carry the latter.
constexpr std::string_view kNoMarkingIndicators = "0_0_0_0_0_00";
// The information-field identifier (ТекстИнф@Идентиф, at most 50
// characters) under which an advance invoice offset by the shipment is
// written, one entry per invoice, valued like line 5б of the paper form:
// "№ 10 от 16.02.2026".
constexpr std::string_view kAdvanceInvoiceField = "СчФНаАванс";

enum class Function { invoice, shipment, invoice_and_shipment };  // СЧФ, ДОП, СЧФДОП

bool has_invoice(Function f) {
  return f != Function::shipment;
}
bool has_shipment(Function f) {
  return f != Function::invoice;
}

std::string two_digits(int n) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", n);
  return buf;
}

// ДатаТип: ДД.ММ.ГГГГ.
std::string dotted(const Date& d) {
  return two_digits(d.day()) + "." + two_digits(d.month()) + "." + std::to_string(d.year());
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// 8-4-4-4-12 hex digits: the GUID of a file name (N1 of format 970).
bool is_guid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F')) {
      return false;
    }
  }
  return true;
}

enum class Sign { any, non_negative, positive };

// Checks values against the XSD and records what is wrong, field by field.
class Checker {
 public:
  void add(const std::string& field, std::string rule, std::string message) {
    errors_.add(field, std::move(rule), std::move(message));
  }
  FieldErrors& errors() { return errors_; }

  // Text of 1..max characters (or empty when not required) that windows-1251
  // can hold and XML can carry. Returns the value, to be written as it is.
  const std::string& text(const std::string& field, const std::string& value, size_t max,
                          bool required = true) {
    if (value.empty()) {
      if (required) add(field, "required", "is required");
      return value;
    }
    const auto length = utf8_length(value);
    if (length && *length > max) {
      add(field, "length",
          "must be at most " + std::to_string(max) + " characters, got " + std::to_string(*length));
    }
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        add(field, "control_char", "holds a control character XML cannot carry");
        return value;
      }
    }
    size_t bad = 0;
    if (!fits_cp1251(value, &bad)) {
      add(field, "cp1251",
          length ? "holds a character windows-1251 cannot encode at byte " + std::to_string(bad)
                 : "is not well-formed UTF-8 (byte " + std::to_string(bad) + ")");
    }
    return value;
  }

  // Exactly `min`..`max` ASCII digits (ОКСМ, ОКВ, ОКЕИ codes).
  const std::string& digits(const std::string& field, const std::string& value, size_t min,
                            size_t max) {
    if (value.empty()) {
      add(field, "required", "is required");
      return value;
    }
    bool ok = value.size() >= min && value.size() <= max;
    for (char c : value) ok = ok && is_digit(c);
    if (!ok) {
      add(field, "pattern",
          min == max ? "must be " + std::to_string(min) + " digits"
                     : "must be " + std::to_string(min) + " to " + std::to_string(max) + " digits");
    }
    return value;
  }

  // A file name part: Latin letters, digits and '-'.
  const std::string& name_part(const std::string& field, const std::string& value, size_t max) {
    if (value.empty()) {
      add(field, "required", "is required");
      return value;
    }
    for (char c : value) {
      const bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
      if (!ok) {
        add(field, "pattern", "may hold only Latin letters, digits and '-'");
        return value;
      }
    }
    if (value.size() > max) {
      add(field, "length", "must be at most " + std::to_string(max) + " characters");
    }
    return value;
  }

  // xs:decimal written plainly (-?digits[.digits]) within the XSD's
  // totalDigits and fractionDigits. Leading zeros are not counted, trailing
  // fractional ones are, which is never laxer than the schema.
  const std::string& decimal(const std::string& field, const std::string& value, int total,
                             int fraction, Sign sign, bool required = true) {
    if (value.empty()) {
      if (required) add(field, "required", "is required");
      return value;
    }
    size_t i = value[0] == '-' ? 1 : 0;
    const bool negative = i == 1;
    int int_digits = 0, frac_digits = 0, significant = 0;
    bool nonzero = false, point = false, ok = i < value.size();
    for (; ok && i < value.size(); ++i) {
      const char c = value[i];
      if (c == '.' && !point && int_digits > 0) {
        point = true;
        continue;
      }
      if (!is_digit(c)) {
        ok = false;
        break;
      }
      nonzero = nonzero || c != '0';
      if (point) {
        ++frac_digits;
        ++significant;
      } else {
        ++int_digits;
        if (nonzero) ++significant;
      }
    }
    if (!ok || int_digits == 0 || (point && frac_digits == 0)) {
      add(field, "decimal", "must be a decimal number like 1234.56");
    } else if (frac_digits > fraction) {
      add(field, "decimal",
          "must have at most " + std::to_string(fraction) + " digits after the point");
    } else if (significant > total) {
      add(field, "decimal", "must have at most " + std::to_string(total) + " digits");
    } else if (sign == Sign::non_negative && negative && nonzero) {
      add(field, "range", "must not be negative");
    } else if (sign == Sign::positive && (negative || !nonzero)) {
      add(field, "range", "must be greater than zero");
    }
    return value;
  }

  // ДатаТип allows the years 1900..2099 only.
  std::string date(const std::string& field, const Date& d) {
    if (d.year() > 2099) add(field, "date", "must be no later than 31.12.2099");
    return dotted(d);
  }

 private:
  FieldErrors errors_;
};

// Writes elements with attributes, two spaces per level. Element names are
// literals; attribute values are escaped here.
class XmlWriter {
 public:
  XmlWriter() : out_("<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n") {
    out_.reserve(8192);  // a UPD of ten items is about 5 KB
  }

  void open(std::string_view name) {
    end_start_tag();
    indent();
    out_ += '<';
    out_ += name;
    open_.push_back(name);
    start_tag_open_ = true;
  }
  void attr(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    escape(value);
    out_ += '"';
  }
  void attr_if(std::string_view name, std::string_view value) {
    if (!value.empty()) attr(name, value);
  }
  void close() {
    const std::string_view name = open_.back();
    open_.pop_back();
    if (start_tag_open_) {
      out_ += "/>\n";
      start_tag_open_ = false;
      return;
    }
    indent();
    out_ += "</";
    out_ += name;
    out_ += ">\n";
  }
  // An element holding text only: <БезНДС>без НДС</БезНДС>.
  void leaf(std::string_view name, std::string_view text) {
    end_start_tag();
    indent();
    out_ += '<';
    out_ += name;
    out_ += '>';
    escape(text);
    out_ += "</";
    out_ += name;
    out_ += ">\n";
  }
  const std::string& text() const { return out_; }

 private:
  void end_start_tag() {
    if (!start_tag_open_) return;
    out_ += ">\n";
    start_tag_open_ = false;
  }
  void indent() { out_.append(2 * open_.size(), ' '); }
  void escape(std::string_view value) {
    // Tabs and line breaks stay references: a parser turns raw ones in
    // attributes into spaces. Runs with nothing to escape go in whole.
    size_t run = 0;
    for (size_t i = 0; i < value.size(); ++i) {
      const std::string_view entity = entity_of(value[i]);
      if (entity.empty()) continue;
      out_.append(value.data() + run, i - run);
      out_ += entity;
      run = i + 1;
    }
    out_.append(value.data() + run, value.size() - run);
  }
  static std::string_view entity_of(char c) {
    switch (c) {
      case '&':
        return "&amp;";
      case '<':
        return "&lt;";
      case '>':
        return "&gt;";
      case '"':
        return "&quot;";
      case '\'':
        return "&apos;";
      case '\t':
        return "&#9;";
      case '\n':
        return "&#10;";
      case '\r':
        return "&#13;";
      default:
        return {};
    }
  }

  std::string out_;
  std::vector<std::string_view> open_;
  bool start_tag_open_ = false;
};

class Renderer {
 public:
  Renderer(const UpdDocument& d, Function f) : d_(d), f_(f) {}

  // The file as UTF-8 text, every check passed; throws what they found.
  const std::string& checked_text() {
    w_.open("Файл");
    w_.attr("ИдФайл", file_id());
    w_.attr("ВерсФорм", kFormatVersion);
    w_.attr("ВерсПрог", c_.text("program", d_.program, 40));
    document();
    w_.close();
    c_.errors().throw_if_any(ErrorCode::validation);
    return w_.text();
  }

  std::string run() {
    // Every text was checked to fit windows-1251 on the way.
    auto bytes = utf8_to_cp1251(checked_text());
    if (!bytes) throw Error(ErrorCode::internal, "UPD: checked text failed to convert to cp1251");
    return std::move(*bytes);
  }

 private:
  std::string file_id() {
    c_.name_part("receiver_id", d_.receiver_id, kMaxParticipantId);
    c_.name_part("sender_id", d_.sender_id, kMaxParticipantId);
    if (d_.guid.empty()) {
      c_.add("guid", "required", "is required");
    } else if (!is_guid(d_.guid)) {
      c_.add("guid", "pattern", "must be a GUID: 36 characters, hex digits as 8-4-4-4-12");
    }
    return upd_file_id(d_);
  }

  void document() {
    w_.open("Документ");
    w_.attr("КНД", kKnd);
    w_.attr("Функция", d_.function);
    if (has_shipment(f_)) {
      w_.attr("ПоФактХЖ", kShipmentName);
      w_.attr("НаимДокОпр", f_ == Function::shipment ? kShipmentName : kInvoiceAndShipmentName);
    }
    w_.attr("ДатаИнфПр", c_.date("formed_date", d_.formed_date));
    w_.attr("ВремИнфПр", formed_time());
    w_.attr_if("НаимЭконСубСост", composer_name());  // its parts are checked with the seller
    invoice_info();
    table();
    if (has_shipment(f_)) transfer();
    signer();
    w_.close();
  }

  std::string formed_time() {
    const auto part = [this](const char* field, int value, int max) {
      if (value < 0 || value > max) {
        c_.add(field, "range", "must be 0.." + std::to_string(max));
        return std::string("00");
      }
      return two_digits(value);
    };
    return part("formed_hour", d_.formed_hour, 23) + "." +
           part("formed_minute", d_.formed_minute, 59) + "." +
           part("formed_second", d_.formed_second, 59);
  }

  // НаимЭконСубСост: the seller composes its own title.
  std::string composer_name() const {
    const UpdParty& s = d_.seller;
    if (s.type != "sole_trader") return s.name;
    std::string n = "ИП " + s.last_name + " " + s.first_name;
    if (!s.middle_name.empty()) n += " " + s.middle_name;
    return n;
  }

  void invoice_info() {
    w_.open("СвСчФакт");
    // A СЧФДОП repeats its number in line 5а, where 255 characters is the limit.
    const size_t max_number = f_ == Function::invoice_and_shipment ? 255 : 1000;
    w_.attr("НомерДок", c_.text("number", d_.number, max_number));
    w_.attr("ДатаДок", c_.date("date", d_.date));
    party("СвПрод", "seller", d_.seller);
    payment_documents();
    shipment_document();
    party("СвПокуп", "buyer", d_.buyer);
    w_.open("ДенИзм");
    w_.attr("КодОКВ", c_.digits("currency_code", d_.currency_code, 3, 3));
    w_.attr("НаимОКВ", c_.text("currency_name", d_.currency_name, 100));
    w_.close();
    advance_invoices();
    w_.close();
  }

  // Line 5: the payment documents of the prepayments the shipment offsets.
  // They belong to an invoice; a ДОП is none.
  void payment_documents() {
    if (d_.prepayments.empty()) return;
    if (!has_invoice(f_)) {
      c_.add("prepayments", "function",
             "a ДОП is not an invoice; prepayments it offsets belong in a СЧФ or СЧФДОП");
      return;
    }
    for (size_t i = 0; i < d_.prepayments.size(); ++i) {
      const UpdPrepayment& p = d_.prepayments[i];
      const std::string path = "prepayments[" + std::to_string(i) + "]";
      if (p.payment_number.empty() && !p.payment_date && p.amount.empty()) continue;
      w_.open("СвПРД");
      w_.attr_if("НомерПРД", c_.text(path + ".payment_number", p.payment_number, 30, false));
      if (p.payment_date) w_.attr("ДатаПРД", c_.date(path + ".payment_date", *p.payment_date));
      w_.attr_if("СуммаПРД", c_.decimal(path + ".amount", p.amount, 19, 2, Sign::positive, false));
      w_.close();
    }
  }

  // Line 5б: the advance invoices the shipment offsets, in the information
  // field until the format has an element of its own.
  void advance_invoices() {
    if (d_.prepayments.empty() || !has_invoice(f_)) return;
    w_.open("ИнфПолФХЖ1");
    for (size_t i = 0; i < d_.prepayments.size(); ++i) {
      const UpdPrepayment& p = d_.prepayments[i];
      const std::string path = "prepayments[" + std::to_string(i) + "]";
      const std::string& number = c_.text(path + ".invoice_number", p.invoice_number, 255);
      std::string value = "№ " + number;
      if (p.invoice_date) {
        value += " от " + c_.date(path + ".invoice_date", *p.invoice_date);
      } else {
        c_.add(path + ".invoice_date", "required",
               "the advance invoice's date is required (Tax Code art. 169 p. 5 subp. 4)");
      }
      w_.open("ТекстИнф");
      w_.attr("Идентиф", kAdvanceInvoiceField);
      w_.attr("Значен", value);
      w_.close();
    }
    w_.close();
  }

  // Line 5а. The format's rules require it for a СЧФ; a СЧФДОП is its own
  // shipment document and repeats its name, number and date there.
  void shipment_document() {
    if (f_ == Function::shipment) return;
    w_.open("ДокПодтвОтгрНом");
    if (f_ == Function::invoice_and_shipment) {
      w_.attr("РеквНаимДок", kInvoiceAndShipmentName);
      w_.attr("РеквНомерДок", d_.number);
      w_.attr("РеквДатаДок", dotted(d_.date));
    } else {
      w_.attr("РеквНаимДок", c_.text("shipment_doc_name", d_.shipment_doc_name, 255));
      w_.attr("РеквНомерДок", c_.text("shipment_doc_number", d_.shipment_doc_number, 255));
      if (d_.shipment_doc_date) {
        w_.attr("РеквДатаДок", c_.date("shipment_doc_date", *d_.shipment_doc_date));
      } else {
        c_.add("shipment_doc_date", "required", "is required for a СЧФ");
      }
    }
    w_.close();
  }

  void party(std::string_view element, const std::string& path, const UpdParty& p) {
    FieldErrors& errors = c_.errors();
    w_.open(element);
    w_.open("ИдСв");
    if (p.type == "company") {
      w_.open("СвЮЛУч");
      w_.attr("НаимОрг", c_.text(path + ".name", p.name, 1000));
      requisites::check_inn10(p.inn, path + ".inn", errors);
      w_.attr("ИННЮЛ", p.inn);
      if (!p.kpp.empty()) {
        requisites::check_kpp(p.kpp, path + ".kpp", errors);
        w_.attr("КПП", p.kpp);
      }
      w_.close();
    } else if (p.type == "sole_trader") {
      w_.open("СвИП");
      requisites::check_inn12(p.inn, path + ".inn", errors);
      w_.attr("ИННФЛ", p.inn);
      // A sole trader's invoice gives the OGRNIP and its date (Tax Code art.
      // 169 p. 6 since 2026); the format has had both attributes all along.
      const bool needed = path == "seller" && has_invoice(f_);
      if (!p.ogrn.empty()) {
        requisites::check_ogrnip(p.ogrn, path + ".ogrn", errors);
        w_.attr("ОГРНИП", p.ogrn);
      } else if (needed || p.ogrn_date) {
        c_.add(path + ".ogrn", "required",
               needed ? "a sole trader's invoice gives the OGRNIP"
                      : "the date of an OGRNIP goes with the OGRNIP");
      }
      if (p.ogrn_date) {
        w_.attr("ДатаОГРНИП", c_.date(path + ".ogrn_date", *p.ogrn_date));
      } else if (needed) {
        c_.add(path + ".ogrn_date", "required",
               "a sole trader's invoice gives the date the OGRNIP was assigned");
      }
      full_name(path, p.last_name, p.first_name, p.middle_name);
      w_.close();
    } else {
      c_.add(path + ".type", "enum", "must be \"company\" or \"sole_trader\"");
    }
    w_.close();
    if (!p.address.empty()) {
      w_.open("Адрес");
      w_.open("АдрИнф");
      w_.attr("КодСтр", c_.digits(path + ".country_code", p.country_code, 3, 3));
      w_.attr("НаимСтран", c_.text(path + ".country_name", p.country_name, 255));
      w_.attr("АдрТекст", c_.text(path + ".address", p.address, 1000));
      w_.close();
      w_.close();
    } else if (has_invoice(f_)) {
      c_.add(path + ".address", "required", "is required for a СЧФ or СЧФДОП");
    }
    if (p.bank) bank(path + ".bank", *p.bank);
    w_.close();
  }

  void bank(const std::string& path, const UpdBank& b) {
    w_.open("БанкРекв");
    requisites::check_bank_account(b.bik, b.account, path + ".bik", path + ".account", c_.errors());
    w_.attr("НомерСчета", b.account);
    w_.open("СвБанк");
    w_.attr_if("НаимБанк", c_.text(path + ".bank_name", b.bank_name, 1000, false));
    w_.attr("БИК", b.bik);
    w_.attr_if("КорСчет", c_.text(path + ".corr_account", b.corr_account, 34, false));
    w_.close();
    w_.close();
  }

  // ФИОТип.
  void full_name(const std::string& path, const std::string& last, const std::string& first,
                 const std::string& middle) {
    w_.open("ФИО");
    w_.attr("Фамилия", c_.text(path + ".last_name", last, 60));
    w_.attr("Имя", c_.text(path + ".first_name", first, 60));
    w_.attr_if("Отчество", c_.text(path + ".middle_name", middle, 60, false));
    w_.close();
  }

  void table() {
    w_.open("ТаблСчФакт");
    if (d_.items.empty()) c_.add("items", "required", "at least one item is required");
    for (size_t i = 0; i < d_.items.size(); ++i) item(i, d_.items[i]);
    w_.open("ВсегоОпл");
    w_.attr("СтТовБезНДСВсего", c_.decimal("total_net", d_.total_net, 19, 2, Sign::any));
    w_.attr("СтТовУчНалВсего", c_.decimal("total_gross", d_.total_gross, 19, 2, Sign::any));
    w_.open("СумНалВсего");
    if (d_.without_vat) {
      w_.leaf("БезНДС", kWithoutVat);
    } else {
      w_.leaf("СумНал", c_.decimal("total_vat", d_.total_vat, 19, 2, Sign::non_negative));
    }
    w_.close();
    w_.close();
    w_.close();
  }

  void item(size_t index, const UpdItem& it) {
    const std::string path = "items[" + std::to_string(index) + "]";
    const int line = it.line == 0 ? static_cast<int>(index + 1) : it.line;
    if (line < 1 || line > 999999) c_.add(path + ".line", "range", "must be 1..999999");
    const bool without_vat = it.vat_rate == kWithoutVat;
    if (d_.without_vat && !without_vat) {
      c_.add(path + ".vat_rate", "vat_rate",
             "must be \"без НДС\" in a document without VAT (without_vat)");
    }
    bool known_rate = false;
    for (auto r : kVatRates) known_rate = known_rate || it.vat_rate == r;
    if (!known_rate) c_.add(path + ".vat_rate", "vat_rate", "is not a VAT rate of the format");

    w_.open("СведТов");
    w_.attr("НомСтр", std::to_string(line));
    w_.attr("НаимТов", c_.text(path + ".name", it.name, 2000));
    if (!it.okei.empty()) {
      w_.attr("ОКЕИ_Тов", c_.digits(path + ".okei", it.okei, 3, 4));
      // The format's rules: a unit code needs its name.
      if (it.unit.empty()) c_.add(path + ".unit", "required", "is required with okei");
    }
    w_.attr_if("НаимЕдИзм", c_.text(path + ".unit", it.unit, 255, false));
    if (!it.quantity.empty()) {
      w_.attr("КолТов", c_.decimal(path + ".quantity", it.quantity, 26, 11, Sign::positive));
    } else if (!it.okei.empty() && has_invoice(f_)) {
      c_.add(path + ".quantity", "required", "is required with okei in a СЧФ or СЧФДОП");
    }
    if (!it.price.empty()) {
      // The format's rules: with a quantity an invoice needs a price above zero.
      const Sign sign =
          has_invoice(f_) && !it.quantity.empty() ? Sign::positive : Sign::non_negative;
      w_.attr("ЦенаТов", c_.decimal(path + ".price", it.price, 26, 11, sign));
    } else if (!it.quantity.empty() && has_invoice(f_)) {
      c_.add(path + ".price", "required", "is required with a quantity in a СЧФ or СЧФДОП");
    }
    w_.attr("СтТовБезНДС", c_.decimal(path + ".net", it.net, 19, 2, Sign::non_negative));
    w_.attr("НалСт", it.vat_rate);
    w_.attr("СтТовУчНал", c_.decimal(path + ".gross", it.gross, 19, 2, Sign::non_negative));
    w_.open("СумНал");
    if (without_vat) {
      w_.leaf("БезНДС", kWithoutVat);
    } else {
      w_.leaf("СумНал", c_.decimal(path + ".vat", it.vat, 19, 2, Sign::non_negative));
    }
    w_.close();
    w_.close();
  }

  // СвПродПер: what was handed over, when and on what basis.
  void transfer() {
    w_.open("СвПродПер");
    w_.open("СвПер");
    w_.attr("СодОпер", c_.text("operation", d_.operation, 255));
    w_.attr("ДатаПер", c_.date("shipment_date", d_.shipment_date.value_or(d_.date)));
    if (d_.basis_date) {
      w_.open("ОснПер");
      w_.attr("РеквНаимДок", c_.text("basis_name", d_.basis_name, 255));
      w_.attr("РеквНомерДок", c_.text("basis_number", d_.basis_number, 255));
      w_.attr("РеквДатаДок", c_.date("basis_date", *d_.basis_date));
      w_.close();
    } else {
      if (!d_.basis_name.empty() || !d_.basis_number.empty()) {
        c_.add("basis_date", "required", "is required with basis_name or basis_number");
      }
      w_.leaf("БезДокОснПер", "1");
    }
    w_.close();
    w_.close();
  }

  void signer() {
    const UpdSigner& s = d_.signer;
    const bool poa = !s.poa_number.empty() || s.poa_date || !s.poa_system.empty();
    w_.open("Подписант");
    w_.attr_if("Должн", c_.text("signer.position", s.position, 255, false));
    if (s.authority < 1 || s.authority > 6) {
      c_.add("signer.authority", "range", "must be 1..6");
    } else if (s.authority == 5) {
      c_.add("signer.authority", "enum", "5 (a paper power of attorney) is not supported");
    } else if (poa != (s.authority == 3)) {
      c_.add("signer.authority", "enum",
             "must be 3 exactly when an electronic power of attorney is given");
    }
    w_.attr("СпосПодтПолном", std::to_string(s.authority));
    full_name("signer", s.last_name, s.first_name, s.middle_name);
    if (poa) {
      w_.open("СвДоверЭл");
      w_.attr("НомДовер", c_.text("signer.poa_number", s.poa_number, 36));
      const auto length = utf8_length(s.poa_number);
      if (!s.poa_number.empty() && length && *length < 36) {
        c_.add("signer.poa_number", "length", "must be 36 characters");
      }
      if (s.poa_date) {
        w_.attr("ДатаВыдДовер", c_.date("signer.poa_date", *s.poa_date));
      } else {
        c_.add("signer.poa_date", "required", "is required with a power of attorney");
      }
      w_.attr("ИдСистХран", c_.text("signer.poa_system", s.poa_system, 500));
      w_.close();
    }
    w_.close();
  }

  const UpdDocument& d_;
  const Function f_;
  Checker c_;
  XmlWriter w_;
};

}  // namespace

std::string dotted_date(const Date& d) {
  return dotted(d);
}

std::string upd_file_id(const UpdDocument& d) {
  const Date& f = d.formed_date;
  return std::string(kFilePrefix) + "_" + d.receiver_id + "_" + d.sender_id + "_" +
         std::to_string(f.year()) + two_digits(f.month()) + two_digits(f.day()) + "_" + d.guid +
         "_" + std::string(kNoMarkingIndicators);
}

namespace {

Function function_of(const UpdDocument& d) {
  if (d.function == "СЧФ") return Function::invoice;
  if (d.function == "ДОП") return Function::shipment;
  if (d.function == "СЧФДОП") return Function::invoice_and_shipment;
  fail_field(ErrorCode::validation, "function", "enum", "must be СЧФ, ДОП or СЧФДОП");
}

}  // namespace

RenderedFile render_upd(const UpdDocument& d) {
  std::string bytes = Renderer(d, function_of(d)).run();
  return {upd_file_id(d) + ".xml", std::move(bytes)};
}

void check_upd(const UpdDocument& d) {
  Renderer(d, function_of(d)).checked_text();
}

}  // namespace opora::edo
