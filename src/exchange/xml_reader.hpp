// A minimal non-validating XML reader for the exchange formats opora reads
// (CommerceML from 1C and Bitrix). Pure: bytes in, a tree out, no I/O.
//
// It reads elements, attributes, character data, the five predefined entities
// and character references, CDATA sections, comments and processing
// instructions, and the prolog. Its input is UTF-8 (a byte-order mark is
// skipped) or windows-1251 when the prolog says so; anything else is refused.
// A DOCTYPE is refused outright: exchange files never carry one, and refusing
// it removes entity-expansion attacks by construction. Namespace prefixes are
// dropped from element and attribute names (CommerceML uses one default
// namespace, or none); `xmlns` declarations stay as attributes.
//
// Malformed input throws Error(invalid) with one FieldError (field "xml",
// rule "xml") whose message names the line, the column (in characters) and
// what was expected. Depth and size are bounded, so hostile input cannot
// exhaust the stack (the reader keeps its own stack) or memory beyond the
// limits the caller sets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace opora::exchange {

struct XmlLimits {
  size_t max_bytes = size_t{512} << 20;  // input size
  size_t max_depth = 256;                // element nesting
  size_t max_attributes = 256;           // attributes on one element
};

struct XmlElement {
  std::string name;  // local name: "cml:Товар" is "Товар"
  std::vector<std::pair<std::string, std::string>> attributes;
  // The element's own character data (children's text not included), with
  // entities and CDATA resolved, whitespace as written.
  std::string text;
  std::vector<XmlElement> children;
  size_t line = 0;  // where the start tag begins, 1-based
  size_t column = 0;

  // First child with that name, or null.
  const XmlElement* child(std::string_view child_name) const noexcept;
  // Every child with that name, in document order.
  std::vector<const XmlElement*> children_named(std::string_view child_name) const;
  // The attribute's value, or null.
  const std::string* attribute(std::string_view attribute_name) const noexcept;
  // `text` with leading and trailing XML whitespace removed.
  std::string trimmed_text() const;
  // Trimmed text of the first child with that name; "" when there is none.
  std::string child_text(std::string_view child_name) const;
};

struct XmlDocument {
  std::string encoding;  // as declared in the prolog, "" when not declared
  bool had_bom = false;
  XmlElement root;
};

// Parses a whole document. Throws Error(invalid) for malformed XML, an
// unsupported encoding, a DOCTYPE, or input beyond `limits`.
XmlDocument parse_xml(std::string_view bytes, const XmlLimits& limits = {});

}  // namespace opora::exchange
