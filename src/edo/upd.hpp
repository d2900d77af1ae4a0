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
  // Sole trader: ОГРНИП and the date it was assigned (СвИП@ОГРНИП,
  // @ДатаОГРНИП). Since 2026 (Tax Code art. 169 p. 6, as amended by 425-FZ)
  // a sole trader's invoice gives both, so the seller of a СЧФ or СЧФДОП
  // needs them; elsewhere they are optional.
  std::string ogrn;
  std::optional<Date> ogrn_date;
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

// A prepayment the shipment offsets: the payment document (line 5, СвПРД)
// and, since 2026 (Tax Code art. 169 p. 5 subp. 4, as amended by 425-FZ), the
// number and date of the advance invoice issued for it (line 5б of the paper
// form). Format 5.03 has no element for the advance invoice; until its
// amendment (FNS letter ЕА-4-26/11336@ announces one) it is written in the
// document's information field, ИнфПолФХЖ1 (docs/edo.md says how and why).
struct UpdPrepayment {
  std::string payment_number;        // НомерПРД, up to 30 characters
  std::optional<Date> payment_date;  // ДатаПРД
  std::string amount;                // СуммаПРД, decimal text, optional
  std::string invoice_number;        // the advance invoice's number
  std::optional<Date> invoice_date;
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
  // Prepayments offset by this shipment; an invoice's only (СЧФ, СЧФДОП).
  std::vector<UpdPrepayment> prepayments;
  UpdSigner signer;
  // File name parts: ON_NSCHFDOPPR_<receiver>_<sender>_<YYYYMMDD>_<guid> and
  // the indicator groups of format 970 (see upd_file_id).
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

// The file's id (ИдФайл), without ".xml": R_T_A_O_GGGGMMDD_N1_N2_N3_N4_N5_N6_N7
// with R_T = ON_NSCHFDOPPR, A the receiver's and O the sender's participant
// id, the formation date, N1 the GUID and N2..N7 the indicator groups of
// format 970 for traceable and marked goods (N2..N6 one digit, N7 two). The
// renderer writes no traceability (СведПрослеж) or marking (НомСредИдентТов)
// data, so they are "0_0_0_0_0_00", as Diadoc's generator names such a file.
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

// What render_upd() would refuse, thrown the same way, without making the
// file (for validation before a render).
void check_upd(const UpdDocument& d);

}  // namespace opora::edo
