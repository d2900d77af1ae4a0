// The UPD (универсальный передаточный документ) seller title in the FNS
// format of order ЕД-7-26/970@, version 5.03 (КНД 1115131, file prefix
// ON_NSCHFDOPPR): windows-1251 XML whose ИдФайл equals the file name.
// Pure: the packet module gathers the data (registry document, parties,
// signer) into UpdDocument and stores what comes out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"

namespace opora::edo {

struct UpdBank {
  std::string account;       // 20 digits (НомерСчета)
  std::string bik;           // 9 digits
  std::string bank_name;     // НаимБанк
  std::string corr_account;  // КорСчет, may be empty
};

// A seller or buyer (УчастникТип).
struct UpdParty {
  std::string type;  // "company" (СвЮЛУч) or "sole_trader" (СвИП)
  std::string name;  // company: НаимОрг
  std::string inn;   // 10 digits for a company, 12 for a sole trader
  std::string kpp;   // company only
  std::string ogrn;  // sole trader: ОГРНИП (СвИП@ОГРНИП), optional
  // Sole trader: ФИО (required for СвИП).
  std::string last_name, first_name, middle_name;
  // Free text (АдрИнф@АдрТекст) in country `country_code`. Required for the
  // seller and buyer of a СЧФ or СЧФДОП (the format's rules); a ДОП may omit it.
  std::string address;
  std::string country_code = "643";     // ОКСМ (АдрИнф@КодСтр)
  std::string country_name = "Россия";  // АдрИнф@НаимСтран, required with an address
  std::optional<UpdBank> bank;
};

// The person who signs (Подписант).
struct UpdSigner {
  std::string last_name, first_name, middle_name;
  std::string position;  // Должн
  // СпосПодтПолном 1..6 (1: by position, without a power of attorney). The
  // format ties 3 to an electronic power of attorney (СвДоверЭл present exactly
  // then) and 5 to a paper one, which this renderer does not write.
  int authority = 1;
  // An electronic power of attorney (СвДоверЭл), when the signer acts by one
  // (authority 3): all three are then required.
  std::string poa_number;  // НомДовер, 36 characters (a GUID)
  std::optional<Date> poa_date;
  std::string poa_system;  // ИдСистХран (where it is kept), e.g. the FNS registry id
};

struct UpdItem {
  int line = 0;          // НомСтр, 1-based; 0: the item's position in `items`
  std::string name;      // НаимТов
  std::string okei;      // ОКЕИ_Тов, 3-4 digits ("796" шт, "796"), may be empty
  std::string unit;      // НаимЕдИзм
  std::string quantity;  // КолТов, decimal text ("2", "1.5")
  std::string price;     // ЦенаТов, decimal text without VAT
  std::string net;       // СтТовБезНДС, "1000.00"
  std::string vat_rate;  // НалСт literal: "22%", "10%", "0%", "без НДС", "22/122"...
  std::string vat;       // СумНал, "220.00"; ignored for "без НДС"
  std::string gross;     // СтТовУчНал
};

struct UpdDocument {
  std::string function;   // "СЧФ", "ДОП" or "СЧФДОП"
  std::string number;     // НомерДок
  Date date{2000, 1, 1};  // ДатаДок
  // When the file is formed (ДатаИнфПр / ВремИнфПр), in the seller's local time.
  Date formed_date{2000, 1, 1};
  int formed_hour = 0, formed_minute = 0, formed_second = 0;
  std::string currency_code = "643";  // ДенИзм@КодОКВ
  std::string currency_name = "Российский рубль";
  UpdParty seller, buyer;
  std::vector<UpdItem> items;
  std::string total_net, total_vat, total_gross;  // ВсегоОпл
  bool without_vat = false;  // every item "без НДС": СумНалВсего/БезНДС
  // СвПродПер: the transfer of goods/results (ДОП and СЧФДОП).
  std::string operation = "Товары переданы";  // СодОпер
  std::optional<Date> shipment_date;          // ДатаПер; absent: the document date
  std::string basis_name, basis_number;  // ОснПер (e.g. "Договор", "ДГ-2026-0007")
  std::optional<Date> basis_date;        // absent: БезДокОснПер (no basis document)
  // ДокПодтвОтгрНом (line 5а) of a СЧФ: the document the goods were shipped or
  // the work accepted by (e.g. "Акт", "А-17", its date). The format requires it
  // for СЧФ; a СЧФДОП names itself there, a ДОП has no such line.
  std::string shipment_doc_name, shipment_doc_number;
  std::optional<Date> shipment_doc_date;
  UpdSigner signer;
  // File name parts: ON_NSCHFDOPPR_<receiver>_<sender>_<YYYYMMDD>_<guid>.
  std::string sender_id, receiver_id;  // EDO participant ids
  std::string guid;                    // 36 characters, lower-case
  std::string program = "opora";       // ВерсПрог
};

struct RenderedFile {
  std::string name;   // ИдФайл + ".xml"
  std::string bytes;  // windows-1251 XML
};

// DD.MM.YYYY (ДатаТип), as FNS formats and the operators' metadata write dates.
std::string dotted_date(const Date& d);

// The file's id (ИдФайл), without ".xml".
std::string upd_file_id(const UpdDocument& d);

// Renders the seller title. Text that windows-1251 cannot hold is refused
// with Error(validation) naming the field ("items[2].name", "buyer.name"; the
// index counts from 0) with rule "cp1251"; so is anything else the XSD or the
// format's rules would reject: a missing required value ("required"), text
// over the XSD length ("length"), a malformed code, amount or date ("pattern",
// "decimal", "date"), an unknown function, party type or VAT rate ("enum"),
// a wrong INN/KPP/BIK/account (the requisites rules). Every problem is
// reported at once. XML special characters are escaped.
RenderedFile render_upd(const UpdDocument& d);

}  // namespace opora::edo
