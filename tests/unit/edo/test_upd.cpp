// The UPD seller title (format 5.03): every rendered variant is validated
// against the official FNS XSD with xmllint, plus the file id rule, escaping
// and the refusals that name the field.
//
// Requisites in the fixtures are real published ones with valid check digits:
// INN 7707083893 (Sberbank), 6663003127 (SKB Kontur, Diadoc UTD sample),
// 500100732259 (the FNS test vector in recon-cli), OGRNIP 304500116000157
// (widely published sample), BIK 044525225 with its correspondent account;
// the settlement accounts are keyed for that BIK (CBR order 515).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "core/cp1251.hpp"
#include "core/error.hpp"
#include "edo/upd.hpp"
#include "edo/upd_file_name.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using opora::Date;
using opora::Error;
using opora::ErrorCode;
using opora::test::error_of;
using namespace opora::edo;

namespace {

const char* const kSchema = OPORA_FNS_SCHEMA_DIR "/ON_NSCHFDOPPR_1_997_01_05_03_05.xsd";

UpdParty company_seller() {
  UpdParty p;
  p.type = "company";
  p.name = "ПАО Сбербанк";
  p.inn = "7707083893";
  p.kpp = "773601001";
  p.address = "117312, г. Москва, ул. Вавилова, д. 19";
  p.bank = UpdBank{"40702810938000000001", "044525225", "ПАО Сбербанк", "30101810400000000225"};
  return p;
}

UpdParty company_buyer() {
  UpdParty p;
  p.type = "company";
  p.name = "АО \"ПФ \"СКБ Контур\"";
  p.inn = "6663003127";
  p.kpp = "667301001";
  p.address = "620144, г. Екатеринбург, ул. Народной Воли, д. 19А";
  return p;
}

UpdParty sole_trader() {
  UpdParty p;
  p.type = "sole_trader";
  p.inn = "500100732259";
  p.ogrn = "304500116000157";
  p.ogrn_date = Date(2004, 12, 15);
  p.last_name = "Иванова";
  p.first_name = "Мария";
  p.middle_name = "Петровна";
  p.address = "141400, Московская обл., г. Химки, ул. Ленина, д. 1, кв. 5";
  p.bank = UpdBank{"40802810138000000002", "044525225", "ПАО Сбербанк", ""};
  return p;
}

UpdItem item(std::string name, std::string okei, std::string unit, std::string quantity,
             std::string price, std::string net, std::string rate, std::string vat,
             std::string gross) {
  UpdItem i;
  i.name = std::move(name);
  i.okei = std::move(okei);
  i.unit = std::move(unit);
  i.quantity = std::move(quantity);
  i.price = std::move(price);
  i.net = std::move(net);
  i.vat_rate = std::move(rate);
  i.vat = std::move(vat);
  i.gross = std::move(gross);
  return i;
}

// A document of `function` between two companies with items at 22%, 10%, 0%
// and without VAT, signed by the director by position.
UpdDocument document(const std::string& function) {
  UpdDocument d;
  d.function = function;
  d.number = "УПД-2026-0042";
  d.date = Date(2026, 3, 14);
  d.formed_date = Date(2026, 3, 15);
  d.formed_hour = 9;
  d.formed_minute = 5;
  d.formed_second = 7;
  d.seller = company_seller();
  d.buyer = company_buyer();
  d.items = {
      item("Бумага офисная А4", "778", "упак", "10", "450.00", "4500.00", "22%", "990.00",
           "5490.00"),
      item("Книга \"Налоговый кодекс\"", "796", "шт", "2", "500.00", "1000.00", "10%", "100.00",
           "1100.00"),
      item("Картридж на экспорт", "796", "шт", "1", "300.00", "300.00", "0%", "0.00", "300.00"),
      item("Консультация", "", "", "", "", "2000.00", "без НДС", "", "2000.00"),
  };
  d.total_net = "7800.00";
  d.total_vat = "1090.00";
  d.total_gross = "8890.00";
  d.shipment_date = Date(2026, 3, 14);
  d.basis_name = "Договор";
  d.basis_number = "ДГ-2026-0007";
  d.basis_date = Date(2026, 1, 12);
  d.shipment_doc_name = "Акт";
  d.shipment_doc_number = "А-17";
  d.shipment_doc_date = Date(2026, 3, 14);
  d.signer.last_name = "Петров";
  d.signer.first_name = "Сергей";
  d.signer.middle_name = "Иванович";
  d.signer.position = "Генеральный директор";
  d.sender_id = "2BE-7707083893-773601001";
  d.receiver_id = "2BM-6663003127-667301001";
  d.guid = "3f1c2a4e-8b7d-4c6e-9a1f-0d2e3b4c5a69";
  return d;
}

std::string utf8_of(const RenderedFile& f) {
  const auto text = opora::cp1251_to_utf8(f.bytes);
  REQUIRE(text);
  return *text;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

size_t count(const std::string& text, std::string_view part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Writes the file under its own name and runs xmllint against the official
// XSD; returns xmllint's exit status and puts what it said in `output`.
// xmllint is required: a missing one fails the test rather than skipping the
// only check that the output is what the FNS accepts.
int xmllint(const RenderedFile& f, std::string& output) {
  REQUIRE_MESSAGE(std::system("xmllint --version >/dev/null 2>&1") == 0,
                  "xmllint not found: install libxml2-utils (scripts/deps does)");
  REQUIRE_MESSAGE(fs::exists(kSchema), "FNS schema missing: " << kSchema);
  const fs::path dir = fs::temp_directory_path() / ("opora_upd_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / f.name;
  const fs::path log = dir / "xmllint.log";
  {
    std::ofstream out(file, std::ios::binary);
    out << f.bytes;
    REQUIRE(out.good());
  }
  const std::string command = "xmllint --noout --schema '" + std::string(kSchema) + "' '" +
                              file.string() + "' >'" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  in.close();
  fs::remove_all(dir);
  return status;
}

void require_valid(const RenderedFile& f) {
  opora::test::edo::check_upd_file_name(f.name, f.bytes);
  std::string output;
  const int status = xmllint(f, output);
  INFO("xmllint: " << output);
  INFO("document:\n" << utf8_of(f));
  REQUIRE(status == 0);
}

RenderedFile render_valid(const UpdDocument& d) {
  const RenderedFile f = render_upd(d);
  require_valid(f);
  return f;
}

std::string repeat(std::string_view part, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += part;
  return out;
}

bool has_error(const Error& e, std::string_view field, std::string_view rule) {
  for (const auto& fe : e.field_errors()) {
    if (fe.field == field && fe.rule == rule) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the XSD check rejects a file the schema does not allow") {
  // Guards the harness: a document without the required КНД must fail.
  RenderedFile f = render_upd(document("СЧФДОП"));
  const std::string knd = "\xCA\xCD\xC4=\"1115131\" ";  // КНД="1115131" in windows-1251
  const size_t at = f.bytes.find(knd);
  REQUIRE(at != std::string::npos);
  f.bytes.erase(at, knd.size());
  std::string output;
  CHECK(xmllint(f, output) != 0);
  CHECK(contains(output, "fails to validate"));
}

// --- the three functions ----------------------------------------------------

TEST_CASE("a СЧФДОП validates against the FNS XSD and names itself in line 5а") {
  const RenderedFile f = render_valid(document("СЧФДОП"));
  const std::string xml = utf8_of(f);
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n", 0) == 0);
  CHECK(contains(xml, "Функция=\"СЧФДОП\""));
  CHECK(contains(xml, "КНД=\"1115131\""));
  CHECK(contains(xml, "ВерсФорм=\"5.03\""));
  CHECK(contains(xml, "ДатаИнфПр=\"15.03.2026\" ВремИнфПр=\"09.05.07\""));
  CHECK(contains(xml, "НаимДокОпр=\"Счет-фактура и документ об отгрузке товаров"));
  CHECK(contains(xml,
                 "<ДокПодтвОтгрНом РеквНаимДок=\"Счет-фактура и документ об отгрузке товаров "
                 "(выполнении работ), передаче имущественных прав (документ об оказании услуг)\" "
                 "РеквНомерДок=\"УПД-2026-0042\" РеквДатаДок=\"14.03.2026\"/>"));
  CHECK(contains(xml, "<СвПродПер>"));
  CHECK(contains(xml, "<ДенИзм КодОКВ=\"643\" НаимОКВ=\"Российский рубль\"/>"));
  CHECK(contains(xml, "<ВсегоОпл СтТовБезНДСВсего=\"7800.00\" СтТовУчНалВсего=\"8890.00\">"));
}

TEST_CASE("a СЧФ validates, names its shipment document in line 5а and has no СвПродПер") {
  const std::string xml = utf8_of(render_valid(document("СЧФ")));
  CHECK(contains(xml, "Функция=\"СЧФ\""));
  CHECK(contains(xml,
                 "<ДокПодтвОтгрНом РеквНаимДок=\"Акт\" РеквНомерДок=\"А-17\" "
                 "РеквДатаДок=\"14.03.2026\"/>"));
  CHECK_FALSE(contains(xml, "СвПродПер"));
  CHECK_FALSE(contains(xml, "НаимДокОпр"));  // the format's rules forbid it for a СЧФ
}

TEST_CASE("a ДОП validates with СвПродПер and without line 5а") {
  UpdDocument d = document("ДОП");
  d.buyer.address.clear();  // optional for a ДОП
  const std::string xml = utf8_of(render_valid(d));
  CHECK(contains(xml, "Функция=\"ДОП\""));
  CHECK(contains(xml,
                 "НаимДокОпр=\"Документ об отгрузке товаров (выполнении работ), передаче "
                 "имущественных прав (документ об оказании услуг)\""));
  CHECK(contains(xml, "<СвПер СодОпер=\"Товары переданы\" ДатаПер=\"14.03.2026\">"));
  CHECK_FALSE(contains(xml, "ДокПодтвОтгрНом"));
}

TEST_CASE("a СЧФ needs its shipment document and the parties' addresses") {
  UpdDocument d = document("СЧФ");
  d.shipment_doc_name.clear();
  d.shipment_doc_number.clear();
  d.shipment_doc_date.reset();
  d.seller.address.clear();
  const Error e = error_of([&] { render_upd(d); });
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "shipment_doc_name", "required"));
  CHECK(has_error(e, "shipment_doc_number", "required"));
  CHECK(has_error(e, "shipment_doc_date", "required"));
  CHECK(has_error(e, "seller.address", "required"));
  CHECK(e.field_errors().size() == 4);
}

TEST_CASE("an unknown function is refused") {
  UpdDocument d = document("КСЧФ");
  const Error e = error_of([&] { render_upd(d); });
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "function", "enum"));
}

// --- parties ----------------------------------------------------------------

TEST_CASE("a sole trader seller and buyer are written as СвИП with ФИО and validate") {
  for (const char* function : {"СЧФДОП", "СЧФ", "ДОП"}) {
    CAPTURE(function);
    UpdDocument d = document(function);
    d.seller = sole_trader();
    d.buyer = sole_trader();
    d.buyer.ogrn.clear();
    d.buyer.ogrn_date.reset();
    d.buyer.middle_name.clear();
    d.buyer.bank.reset();
    const std::string xml = utf8_of(render_valid(d));
    CHECK(contains(xml,
                   "<СвИП ИННФЛ=\"500100732259\" ОГРНИП=\"304500116000157\" "
                   "ДатаОГРНИП=\"15.12.2004\">"));
    CHECK(contains(xml, "<ФИО Фамилия=\"Иванова\" Имя=\"Мария\" Отчество=\"Петровна\"/>"));
    CHECK(contains(xml, "<ФИО Фамилия=\"Иванова\" Имя=\"Мария\"/>"));
    CHECK(contains(xml, "НаимЭконСубСост=\"ИП Иванова Мария Петровна\""));
  }
}

TEST_CASE("a company is written as СвЮЛУч with its address and bank") {
  const std::string xml = utf8_of(render_valid(document("СЧФДОП")));
  CHECK(contains(xml, "<СвЮЛУч НаимОрг=\"ПАО Сбербанк\" ИННЮЛ=\"7707083893\" КПП=\"773601001\"/>"));
  CHECK(contains(xml,
                 "<АдрИнф КодСтр=\"643\" НаимСтран=\"Россия\" АдрТекст=\"117312, г. Москва, "
                 "ул. Вавилова, д. 19\"/>"));
  CHECK(contains(xml, "<БанкРекв НомерСчета=\"40702810938000000001\">"));
  CHECK(contains(xml,
                 "<СвБанк НаимБанк=\"ПАО Сбербанк\" БИК=\"044525225\" "
                 "КорСчет=\"30101810400000000225\"/>"));
}

TEST_CASE("wrong requisites and an unknown party type are refused by field") {
  UpdDocument d = document("СЧФДОП");
  d.seller.inn = "7707083890";  // check digit off
  d.seller.kpp = "77360100";
  d.seller.bank->account = "40702810038000000001";  // key off
  d.buyer.type = "person";
  const Error e = error_of([&] { render_upd(d); });
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "seller.inn", "inn_checksum"));
  CHECK(has_error(e, "seller.kpp", "kpp_format"));
  CHECK(has_error(e, "seller.bank.account", "account_key"));
  CHECK(has_error(e, "buyer.type", "enum"));
}

// --- items and VAT ----------------------------------------------------------

TEST_CASE("items at 22%, 10%, 0% and without VAT carry their rate and tax") {
  const std::string xml = utf8_of(render_valid(document("СЧФДОП")));
  CHECK(contains(xml,
                 "<СведТов НомСтр=\"1\" НаимТов=\"Бумага офисная А4\" ОКЕИ_Тов=\"778\" "
                 "НаимЕдИзм=\"упак\" КолТов=\"10\" ЦенаТов=\"450.00\" СтТовБезНДС=\"4500.00\" "
                 "НалСт=\"22%\" СтТовУчНал=\"5490.00\">"));
  CHECK(contains(xml, "НалСт=\"10%\""));
  CHECK(contains(xml, "НалСт=\"0%\""));
  CHECK(contains(xml,
                 "<СведТов НомСтр=\"4\" НаимТов=\"Консультация\" СтТовБезНДС=\"2000.00\" "
                 "НалСт=\"без НДС\" СтТовУчНал=\"2000.00\">"));
  CHECK(contains(xml, "<СумНал>990.00</СумНал>"));
  CHECK(contains(xml, "<СумНал>0.00</СумНал>"));
  CHECK(contains(xml, "<БезНДС>без НДС</БезНДС>"));
  CHECK(contains(xml, "<СумНалВсего>\n          <СумНал>1090.00</СумНал>"));
}

TEST_CASE("a document without VAT writes БезНДС in every item and the total") {
  UpdDocument d = document("СЧФДОП");
  d.items = {item("Услуги хостинга", "", "", "", "", "1500.00", "без НДС", "", "1500.00"),
             item("Домен", "796", "шт", "1", "500.00", "500.00", "без НДС", "", "500.00")};
  d.without_vat = true;
  d.total_net = "2000.00";
  d.total_vat = "";
  d.total_gross = "2000.00";
  const std::string xml = utf8_of(render_valid(d));
  CHECK(contains(xml, "<СумНалВсего>\n          <БезНДС>без НДС</БезНДС>"));
  CHECK(count(xml, "<БезНДС>без НДС</БезНДС>") == 3);  // two items and the total

  d.items[1].vat_rate = "22%";
  d.items[1].vat = "110.00";
  const Error e = error_of([&] { render_upd(d); });
  CHECK(has_error(e, "items[1].vat_rate", "vat_rate"));
}

TEST_CASE("bad item values are refused naming the item") {
  UpdDocument d = document("СЧФДОП");
  d.items[0].vat_rate = "21%";
  d.items[1].quantity = "0";
  d.items[2].net = "300.001";
  d.items[2].okei = "шт";
  d.items[3].unit.clear();
  d.items[3].okei = "796";  // a unit code needs a name and, in an invoice, a quantity
  const Error e = error_of([&] { render_upd(d); });
  CHECK(has_error(e, "items[0].vat_rate", "vat_rate"));
  CHECK(has_error(e, "items[1].quantity", "range"));
  CHECK(has_error(e, "items[2].net", "decimal"));
  CHECK(has_error(e, "items[2].okei", "pattern"));
  CHECK(has_error(e, "items[3].unit", "required"));
  CHECK(has_error(e, "items[3].quantity", "required"));
  CHECK(e.field_errors().size() == 6);
}

// --- transfer and signer ----------------------------------------------------

TEST_CASE("a basis document is written as ОснПер, none as БезДокОснПер") {
  const std::string with = utf8_of(render_valid(document("ДОП")));
  CHECK(contains(with,
                 "<ОснПер РеквНаимДок=\"Договор\" РеквНомерДок=\"ДГ-2026-0007\" "
                 "РеквДатаДок=\"12.01.2026\"/>"));

  UpdDocument d = document("СЧФДОП");
  d.basis_name.clear();
  d.basis_number.clear();
  d.basis_date.reset();
  d.shipment_date.reset();  // the document date then
  const std::string without = utf8_of(render_valid(d));
  CHECK(contains(without, "<БезДокОснПер>1</БезДокОснПер>"));
  CHECK(contains(without, "ДатаПер=\"14.03.2026\""));
  CHECK_FALSE(contains(without, "ОснПер "));

  d.basis_name = "Договор";  // a basis without its date is a mistake, not "no basis"
  CHECK(has_error(error_of([&] { render_upd(d); }), "basis_date", "required"));
}

TEST_CASE("a signer by position has no power of attorney") {
  const std::string xml = utf8_of(render_valid(document("СЧФДОП")));
  CHECK(contains(xml, "<Подписант Должн=\"Генеральный директор\" СпосПодтПолном=\"1\">"));
  CHECK(contains(xml, "<ФИО Фамилия=\"Петров\" Имя=\"Сергей\" Отчество=\"Иванович\"/>"));
  CHECK_FALSE(contains(xml, "СвДоверЭл"));
}

TEST_CASE("a signer by an electronic power of attorney gets СвДоверЭл") {
  for (const char* function : {"СЧФДОП", "СЧФ", "ДОП"}) {
    CAPTURE(function);
    UpdDocument d = document(function);
    d.signer.position = "Главный бухгалтер";
    d.signer.authority = 3;
    d.signer.poa_number = "8a3e0d4c-5b1f-4e2a-9c7d-1f2e3d4c5b6a";
    d.signer.poa_date = Date(2026, 1, 20);
    d.signer.poa_system = "https://m4d.nalog.gov.ru/emchd/check-status";
    const std::string xml = utf8_of(render_valid(d));
    CHECK(contains(xml, "СпосПодтПолном=\"3\""));
    CHECK(contains(xml,
                   "<СвДоверЭл НомДовер=\"8a3e0d4c-5b1f-4e2a-9c7d-1f2e3d4c5b6a\" "
                   "ДатаВыдДовер=\"20.01.2026\" "
                   "ИдСистХран=\"https://m4d.nalog.gov.ru/emchd/check-status\"/>"));
  }
}

TEST_CASE("a power of attorney and the authority code must agree") {
  UpdDocument d = document("СЧФДОП");
  d.signer.poa_number = "8a3e0d4c-5b1f-4e2a-9c7d";  // short, and authority stays 1
  const Error e = error_of([&] { render_upd(d); });
  CHECK(has_error(e, "signer.authority", "enum"));
  CHECK(has_error(e, "signer.poa_number", "length"));
  CHECK(has_error(e, "signer.poa_date", "required"));
  CHECK(has_error(e, "signer.poa_system", "required"));

  UpdDocument without = document("СЧФДОП");
  without.signer.authority = 3;  // says "by a power of attorney" but gives none
  CHECK(has_error(error_of([&] { render_upd(without); }), "signer.authority", "enum"));
}

// --- text -------------------------------------------------------------------

TEST_CASE("XML special characters are escaped and the result still validates") {
  UpdDocument d = document("СЧФДОП");
  d.buyer.name = "ООО \"Рога & Копыта\" <опт> 'Юг'";
  d.items[0].name = "Болт М8 < 10 мм & гайка > 5";
  d.buyer.address = "Москва,\nул. Тверская, д. 1";
  const RenderedFile f = render_valid(d);
  const std::string xml = utf8_of(f);
  CHECK(contains(xml, "НаимОрг=\"ООО &quot;Рога &amp; Копыта&quot; &lt;опт&gt; &apos;Юг&apos;\""));
  CHECK(contains(xml, "НаимТов=\"Болт М8 &lt; 10 мм &amp; гайка &gt; 5\""));
  CHECK(contains(xml, "АдрТекст=\"Москва,&#10;ул. Тверская, д. 1\""));
}

TEST_CASE("the output is windows-1251 bytes") {
  const RenderedFile f = render_upd(document("СЧФДОП"));
  CHECK(f.bytes.rfind("<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n", 0) == 0);
  // "<Файл" in windows-1251: Ф=0xD4 а=0xE0 й=0xE9 л=0xEB.
  CHECK(f.bytes.find("<\xD4\xE0\xE9\xEB ") != std::string::npos);
  CHECK(f.bytes.find("\xD0\xA4") == std::string::npos);  // no UTF-8 "Ф" left
}

TEST_CASE("text windows-1251 cannot hold is refused naming every such field") {
  UpdDocument d = document("СЧФДОП");
  d.items[1].name = "Книга \xF0\x9F\x93\x96";  // U+1F4D6, an emoji
  d.signer.position = "Direktor \xC4\x81";     // U+0101 ā
  d.seller.name = "ПАО \xE2\x80";              // truncated UTF-8
  const Error e = error_of([&] { render_upd(d); });
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "items[1].name", "cp1251"));
  CHECK(has_error(e, "signer.position", "cp1251"));
  CHECK(has_error(e, "seller.name", "cp1251"));
  CHECK(e.field_errors().size() == 3);
}

TEST_CASE("text over the XSD limits is refused") {
  UpdDocument d = document("СЧФДОП");
  d.items[0].name = std::string(2000, 'x');  // НаимТов: up to 2000
  CHECK_NOTHROW(render_upd(d));
  d.items[0].name = repeat("я", 1000) + std::string(1001, 'x');  // counted in characters
  d.seller.name = std::string(1001, 'x');                        // НаимОрг: up to 1000
  d.signer.last_name = std::string(61, 'x');                     // Фамилия: up to 60
  d.operation = std::string(256, 'x');                           // СодОпер: up to 255
  const Error e = error_of([&] { render_upd(d); });
  CHECK(has_error(e, "items[0].name", "length"));
  CHECK(has_error(e, "seller.name", "length"));
  CHECK(has_error(e, "signer.last_name", "length"));
  CHECK(has_error(e, "operation", "length"));
  CHECK(e.field_errors().size() == 4);
}

TEST_CASE("control characters XML cannot carry are refused") {
  UpdDocument d = document("СЧФДОП");
  d.items[2].name = std::string("Картридж\x01");
  CHECK(has_error(error_of([&] { render_upd(d); }), "items[2].name", "control_char"));
}

// --- file id ----------------------------------------------------------------

// Issue 13: the name stopped at the GUID; a 970 file name carries the
// indicator groups after it, "_0_0_0_0_0_00" when the file has no traceable
// or marked goods (as Diadoc's generator names such files).
TEST_CASE("the file id is ON_NSCHFDOPPR_receiver_sender_date_guid_indicators and equals ИдФайл") {
  const UpdDocument d = document("СЧФДОП");
  const std::string id = upd_file_id(d);
  CHECK(id ==
        "ON_NSCHFDOPPR_2BM-6663003127-667301001_2BE-7707083893-773601001_20260315_"
        "3f1c2a4e-8b7d-4c6e-9a1f-0d2e3b4c5a69_0_0_0_0_0_00");
  const RenderedFile f = render_upd(d);
  CHECK(f.name == id + ".xml");
  CHECK(contains(utf8_of(f), "<Файл ИдФайл=\"" + id + "\" ВерсФорм=\"5.03\" ВерсПрог=\"opora\">"));
}

TEST_CASE("file id parts that cannot be part of a file name are refused") {
  UpdDocument d = document("СЧФДОП");
  d.receiver_id = "../etc";
  d.sender_id.clear();
  d.guid = "3f1c2a4e";
  const Error e = error_of([&] { render_upd(d); });
  CHECK(has_error(e, "receiver_id", "pattern"));
  CHECK(has_error(e, "sender_id", "required"));
  CHECK(has_error(e, "guid", "pattern"));
  // 36 characters are not enough: a GUID is hex digits as 8-4-4-4-12.
  for (const char* bad :
       {"3f1c2a4e-8b7d-4c6e-9a1f-0d2e3b4c5a6z", "3f1c2a4e08b7d-4c6e-9a1f-0d2e3b4c5a69",
        "3f1c2a4e-8b7d-4c6e-9a1f-0d2e3b4c5a6_"}) {
    CAPTURE(bad);
    UpdDocument g = document("СЧФДОП");
    g.guid = bad;
    CHECK(has_error(error_of([&] { render_upd(g); }), "guid", "pattern"));
  }
}

TEST_CASE("the file-name check refuses names the 970 grammar does not allow") {
  // Guards the helper every rendering test runs (upd_file_name.hpp).
  using opora::test::edo::upd_file_name_problem;
  const RenderedFile f = render_upd(document("СЧФДОП"));
  CHECK(upd_file_name_problem(f.name, f.bytes) == "");
  const std::string stem = f.name.substr(0, f.name.size() - 4);
  // The name as it was before issue 13: it stopped at the GUID.
  const std::string old_name = stem.substr(0, stem.size() - 13) + ".xml";
  CHECK(upd_file_name_problem(old_name, f.bytes) == "the name breaks the 970 grammar");
  std::string other_guid = f.name;
  other_guid[other_guid.find("3f1c2a4e")] = '4';  // a valid name, not this file's
  CHECK(upd_file_name_problem(other_guid, f.bytes) == "ИдФайл is not the name without .xml");
  // Claims marked goods (N3 = 1) the file does not have, ИдФайл agreeing.
  std::string marked = stem;
  marked[marked.size() - 10] = '1';  // "…_0_1_0_0_0_00"
  std::string marked_bytes = f.bytes;
  marked_bytes.replace(marked_bytes.find(stem), stem.size(), marked);
  CHECK(upd_file_name_problem(marked + ".xml", marked_bytes) ==
        "N3 disagrees with the marking data");
  UpdDocument later = document("СЧФДОП");
  later.formed_date = Date(2026, 3, 16);
  const RenderedFile g = render_upd(later);
  std::string bytes = g.bytes;  // ИдФайл and name agree, the date in the name does not
  const std::string stale = g.name.substr(0, g.name.size() - 4);
  const std::string claimed = stale.substr(0, stale.find("20260316")) + "20260315" +
                              stale.substr(stale.find("20260316") + 8);
  bytes.replace(bytes.find(stale), stale.size(), claimed);
  CHECK(upd_file_name_problem(claimed + ".xml", bytes) == "the name's date is not ДатаИнфПр");
}

// Format 5.03 has had ОГРНИП and ДатаОГРНИП on СвИП all along; since 2026 a
// sole trader's invoice must give both (Tax Code art. 169 p. 6, 425-FZ; FNS
// letter ЕА-4-26/11336@). A ДОП is no invoice and a buyer gives them freely.
TEST_CASE("a sole trader selling by invoice gives the OGRNIP and the date it was assigned") {
  for (const char* function : {"СЧФДОП", "СЧФ"}) {
    CAPTURE(function);
    UpdDocument d = document(function);
    d.seller = sole_trader();
    d.seller.ogrn.clear();
    d.seller.ogrn_date.reset();
    const Error e = error_of([&] { render_upd(d); });
    CHECK(has_error(e, "seller.ogrn", "required"));
    CHECK(has_error(e, "seller.ogrn_date", "required"));
    d.seller = sole_trader();
    d.seller.ogrn_date.reset();
    CHECK(has_error(error_of([&] { render_upd(d); }), "seller.ogrn_date", "required"));
  }
  UpdDocument dop = document("ДОП");
  dop.seller = sole_trader();
  dop.seller.ogrn.clear();
  dop.seller.ogrn_date.reset();
  CHECK_FALSE(contains(utf8_of(render_valid(dop)), "ОГРНИП"));
  UpdDocument buyer = document("СЧФДОП");
  buyer.buyer = sole_trader();
  buyer.buyer.ogrn_date.reset();
  CHECK(contains(utf8_of(render_valid(buyer)), "ОГРНИП=\"304500116000157\">"));
  buyer.buyer.ogrn.clear();
  buyer.buyer.ogrn_date = Date(2004, 12, 15);  // a date without its number
  CHECK(has_error(error_of([&] { render_upd(buyer); }), "buyer.ogrn", "required"));
}

// Tax Code art. 169 p. 5 subp. 4 (425-FZ, from 2026): a shipment invoice that
// offsets a prepayment names the advance invoice. Line 5 (СвПРД) carries the
// payment document as before; the advance invoice goes to ИнфПолФХЖ1 until
// the format has an element for it.
TEST_CASE("prepayments offset by a shipment invoice are written in lines 5 and the info field") {
  UpdDocument d = document("СЧФДОП");
  UpdPrepayment a;
  a.payment_number = "123";
  a.payment_date = Date(2026, 2, 15);
  a.amount = "5000.00";
  a.invoice_number = "А-10";
  a.invoice_date = Date(2026, 2, 16);
  UpdPrepayment b;
  b.invoice_number = "А-11";
  b.invoice_date = Date(2026, 2, 20);
  d.prepayments = {a, b};
  const std::string xml = utf8_of(render_valid(d));
  CHECK(contains(xml, "<СвПРД НомерПРД=\"123\" ДатаПРД=\"15.02.2026\" СуммаПРД=\"5000.00\"/>"));
  CHECK(count(xml, "<СвПРД") == 1);  // the second names no payment document
  CHECK(contains(xml, "<ТекстИнф Идентиф=\"СчФНаАванс\" Значен=\"№ А-10 от 16.02.2026\"/>"));
  CHECK(contains(xml, "<ТекстИнф Идентиф=\"СчФНаАванс\" Значен=\"№ А-11 от 20.02.2026\"/>"));
  // СвПРД precedes ДокПодтвОтгрНом, ИнфПолФХЖ1 follows ДенИзм (the XSD order;
  // render_valid has run xmllint).
  CHECK(xml.find("<СвПРД") < xml.find("<ДокПодтвОтгрНом"));
  CHECK(xml.find("<ДенИзм") < xml.find("<ИнфПолФХЖ1>"));

  b.invoice_date.reset();
  b.payment_number = std::string(31, '7');  // НомерПРД: at most 30 characters
  d.prepayments = {a, b};
  const Error e = error_of([&] { render_upd(d); });
  CHECK(has_error(e, "prepayments[1].invoice_date", "required"));
  CHECK(has_error(e, "prepayments[1].payment_number", "length"));

  UpdDocument dop = document("ДОП");
  dop.prepayments = {a};
  CHECK(has_error(error_of([&] { render_upd(dop); }), "prepayments", "function"));
}
