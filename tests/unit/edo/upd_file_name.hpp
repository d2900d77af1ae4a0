// An independent check of a rendered UPD's file name against the exchange
// file naming rule of format 970 (order ЕД-7-26/970@, as amended):
//
//   R_T_A_O_GGGGMMDD_N1_N2_N3_N4_N5_N6_N7
//
// R_T the prefix ON_NSCHFDOPPR (seller title); A the receiver's and O the
// sender's EDO participant id (3-character operator prefix and up to 43
// characters of A-Z a-z 0-9 @ . -, so no "_"); GGGGMMDD the formation date;
// N1 a 36-character GUID; N2..N6 one-digit indicators and N7 two digits for
// traceable (N2) and marked (N3..) goods. Sources: the grammar as quoted in
// diadoc/diadocsdk-1c-docs#1132 and diadoc/diadocsdk-csharp#1231 (from the
// marking guidelines and the order), Diadoc's generated 970 sample
// (diadoc/diadocapi-docs, docs/source/include/generate_utd970_05_02_01_
// title0_resp.xml: "…_5f34036f-27c9-438b-8ccc-0c5059326d04_1_1_0_0_1_00", a
// file with traceable and marked goods), and the XSD's own Schematron rule
// (code 0400400007): the file name without extension equals @ИдФайл.
//
// Every test that renders a UPD runs it, so no file leaves with a name the
// operator would refuse.
#pragma once

#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "core/cp1251.hpp"

namespace opora::test::edo {

// What is wrong with `name` (with ".xml") as the name of the file `bytes`
// (windows-1251): the grammar, ИдФайл, the formation date, indicators that
// disagree with the goods data in the file; "" when nothing is.
inline std::string upd_file_name_problem(const std::string& name, const std::string& bytes) {
  const auto text = opora::cp1251_to_utf8(bytes);
  if (!text) return "the file is not windows-1251";
  static const std::regex kGrammar(
      "ON_NSCHFDOPPR_([0-9A-Za-z@.-]{4,46})_([0-9A-Za-z@.-]{4,46})_"
      "((?:19|20)[0-9]{2})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])_"
      "([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})_"
      "([01])_([01])_([01])_([01])_([01])_([0-9]{2})\\.xml");
  std::smatch m;
  if (!std::regex_match(name, m, kGrammar)) return "the name breaks the 970 grammar";
  const std::string stem = name.substr(0, name.size() - 4);
  if (text->find("<Файл ИдФайл=\"" + stem + "\"") == std::string::npos)
    return "ИдФайл is not the name without .xml";
  // GGGGMMDD is the date the file was formed: ДатаИнфПр.
  if (text->find("ДатаИнфПр=\"" + m[5].str() + "." + m[4].str() + "." + m[3].str() + "\"") ==
      std::string::npos)
    return "the name's date is not ДатаИнфПр";
  // N2: traceable goods (СведПрослеж), N3: marked goods (НомСредИдентТов).
  if ((m[7].str() == "1") != (text->find("<СведПрослеж") != std::string::npos))
    return "N2 disagrees with the traceability data";
  if ((m[8].str() == "1") != (text->find("<НомСредИдентТов") != std::string::npos))
    return "N3 disagrees with the marking data";
  return "";
}

inline void check_upd_file_name(const std::string& name, const std::string& bytes) {
  INFO("file name: " << name);
  CHECK(upd_file_name_problem(name, bytes) == "");
}

}  // namespace opora::test::edo
