// The exchange XML reader: what it accepts (entities, CDATA, comments, prefixes, a BOM,
// windows-1251) and how it refuses malformed input (line, column, what was expected).
#include <doctest/doctest.h>

#include <string>

#include "core/error.hpp"
#include "exchange/xml_reader.hpp"
#include "test_support.hpp"

namespace {

using opora::Error;
using opora::ErrorCode;
using opora::exchange::parse_xml;
using opora::exchange::XmlLimits;

std::string message_of(const std::string& xml, const XmlLimits& limits = {}) {
  const Error e = opora::test::error_of([&] { parse_xml(xml, limits); });
  CHECK(e.code() == ErrorCode::invalid);
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "xml");
  return e.what();
}

TEST_CASE("elements, attributes, entities, CDATA and comments are read") {
  const auto doc = parse_xml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- head -->\n"
      "<cml:Корень xmlns:cml=\"urn:x\" a='1 &amp; 2'>\n"
      "  <Имя>Гроб &quot;Элит&quot; &#x410;&#1041; <![CDATA[<сырой & текст>]]></Имя>\n"
      "  <!-- inside --><Пусто/><?pi data?>\n"
      "</cml:Корень>\n");
  CHECK(doc.encoding == "UTF-8");
  CHECK(doc.root.name == "Корень");
  CHECK(*doc.root.attribute("a") == "1 & 2");
  CHECK(*doc.root.attribute("xmlns:cml") == "urn:x");
  CHECK(doc.root.child_text("Имя") == "Гроб \"Элит\" АБ <сырой & текст>");
  REQUIRE(doc.root.children.size() == 2);
  CHECK(doc.root.children[1].name == "Пусто");
  CHECK(doc.root.children[0].line == 4);
  CHECK(doc.root.children[0].column == 3);
}

TEST_CASE("a UTF-8 byte-order mark is skipped and windows-1251 is decoded") {
  CHECK(parse_xml("\xEF\xBB\xBF<a>x</a>").had_bom);
  // "Тест" in windows-1251.
  const auto doc =
      parse_xml("<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>\xD2\xE5\xF1\xF2</a>");
  CHECK(doc.root.trimmed_text() == "Тест");
}

TEST_CASE("malformed XML is refused with the line, the column and what was expected") {
  CHECK(message_of("<a>\n  <b>text</c>\n</a>") ==
        "XML line 2, column 10: expected </b>, found </c>");
  CHECK(message_of("<a>\n<b>") ==
        "XML line 2, column 4: expected </b> before the end of the input");
  CHECK(message_of("<a x=1/>").find("expected a quoted value for the attribute x") !=
        std::string::npos);
  CHECK(message_of("<a>&nbsp;</a>").find("unknown entity &nbsp;") != std::string::npos);
  CHECK(message_of("<a>1 & 2</a>").find("line 1, column 6") != std::string::npos);
  CHECK(message_of("<a x='1' x='2'/>").find("repeated") != std::string::npos);
  CHECK(message_of("<a/><b/>").find("expected nothing after the root element") !=
        std::string::npos);
  CHECK(message_of("").find("expected the root element") != std::string::npos);
}

TEST_CASE("a DOCTYPE, an unknown encoding and broken UTF-8 are refused") {
  CHECK(message_of("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>").find("DOCTYPE") !=
        std::string::npos);
  CHECK(message_of("<?xml version=\"1.0\" encoding=\"KOI8-R\"?><a/>").find("KOI8-R") !=
        std::string::npos);
  CHECK(message_of("<a>\n\xD0</a>").find("line 2, column 1: expected UTF-8") != std::string::npos);
  CHECK(message_of("\xFF\xFE<\0a\0/\0>\0").find("UTF-16") != std::string::npos);
}

TEST_CASE("nesting and size beyond the limits are refused before they cost anything") {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "<a>";
  CHECK(message_of(deep).find("nested deeper than 256") != std::string::npos);
  XmlLimits small;
  small.max_bytes = 10;
  CHECK(message_of("<a>0123456789</a>", small).find("over the limit of 10") != std::string::npos);
}

}  // namespace
