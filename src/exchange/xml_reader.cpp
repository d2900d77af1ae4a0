// The XML reader: one forward pass over the text with its own element stack.
#include "exchange/xml_reader.hpp"

#include <algorithm>
#include <cstdint>

#include "core/cp1251.hpp"
#include "core/error.hpp"

namespace opora::exchange {

const XmlElement* XmlElement::child(std::string_view child_name) const noexcept {
  for (const auto& c : children)
    if (c.name == child_name) return &c;
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::children_named(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children)
    if (c.name == child_name) out.push_back(&c);
  return out;
}

const std::string* XmlElement::attribute(std::string_view attribute_name) const noexcept {
  for (const auto& a : attributes)
    if (a.first == attribute_name) return &a.second;
  return nullptr;
}

namespace {

bool xml_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

std::string XmlElement::trimmed_text() const {
  size_t a = 0;
  size_t b = text.size();
  while (a < b && xml_space(text[a])) ++a;
  while (b > a && xml_space(text[b - 1])) --b;
  return text.substr(a, b - a);
}

std::string XmlElement::child_text(std::string_view child_name) const {
  const XmlElement* c = child(child_name);
  return c ? c->trimmed_text() : std::string();
}

namespace {

[[noreturn]] void xml_fail(size_t line, size_t column, const std::string& what) {
  std::string message =
      "XML line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what;
  std::vector<FieldError> fields{{"xml", "xml", message}};
  throw Error(ErrorCode::invalid, std::move(message), std::move(fields));
}

// Offset of the first byte that is not part of well-formed UTF-8, or npos.
size_t first_bad_utf8(std::string_view s) noexcept {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return i;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    const bool overlong =
        (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

bool name_start(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
}
bool name_char(unsigned char c) noexcept {
  return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

std::string local_name(std::string_view qname) {
  const size_t colon = qname.rfind(':');
  return std::string(colon == std::string_view::npos ? qname : qname.substr(colon + 1));
}

// Line and column (1-based, in characters) of byte `offset` in `text`.
std::pair<size_t, size_t> position_of(std::string_view text, size_t offset) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  return {line, column};
}

class XmlParser {
 public:
  XmlParser(std::string_view text, const XmlLimits& limits) : s_(text), limits_(limits) {}

  XmlElement parse_document() {
    skip_misc(true);
    if (at_end() || s_[pos_] != '<') fail("expected the root element");
    XmlElement root = parse_element_tree();
    skip_misc(false);
    if (!at_end()) fail("expected nothing after the root element </" + root.name + ">");
    return root;
  }

 private:
  bool at_end() const noexcept { return pos_ >= s_.size(); }
  bool starts(std::string_view what) const noexcept { return s_.substr(pos_, what.size()) == what; }

  // Line and column of pos_, advanced incrementally (pos_ only moves forward).
  std::pair<size_t, size_t> where() {
    for (; tracked_ < pos_ && tracked_ < s_.size(); ++tracked_) {
      const auto c = static_cast<unsigned char>(s_[tracked_]);
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++column_;
      }
    }
    return {line_, column_};
  }

  [[noreturn]] void fail(const std::string& what) { fail_at(pos_, what); }
  [[noreturn]] void fail_at(size_t pos, const std::string& what) {
    const auto [l, c] = position_of(s_, pos);
    xml_fail(l, c, what);
  }

  void skip_space() {
    while (!at_end() && xml_space(s_[pos_])) ++pos_;
  }

  // Comments, processing instructions and whitespace outside the root.
  void skip_misc(bool before_root) {
    for (;;) {
      skip_space();
      if (starts("<!--")) {
        skip_comment();
      } else if (starts("<?")) {
        skip_pi();
      } else if (starts("<!DOCTYPE") || starts("<!doctype")) {
        fail(
            "a DOCTYPE is not accepted (exchange files have none; entities beyond the five "
            "predefined ones are refused)");
      } else {
        (void)before_root;
        return;
      }
    }
  }

  void skip_comment() {
    const size_t end = s_.find("-->", pos_ + 4);
    if (end == std::string_view::npos) fail("expected '-->' to close the comment");
    pos_ = end + 3;
  }

  void skip_pi() {
    const size_t end = s_.find("?>", pos_ + 2);
    if (end == std::string_view::npos) fail("expected '?>' to close the processing instruction");
    pos_ = end + 2;
  }

  std::string parse_name(const char* what) {
    if (at_end() || !name_start(static_cast<unsigned char>(s_[pos_])))
      fail(std::string("expected ") + what);
    const size_t start = pos_;
    while (!at_end() && name_char(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  // After '&': appends the referenced character(s) to `out`.
  void parse_reference(std::string& out) {
    const size_t semi = s_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12)
      fail("expected an entity reference ending in ';' after '&' (write a literal & as &amp;)");
    const std::string_view ref = s_.substr(pos_ + 1, semi - pos_ - 1);
    if (ref == "lt") {
      out += '<';
    } else if (ref == "gt") {
      out += '>';
    } else if (ref == "amp") {
      out += '&';
    } else if (ref == "quot") {
      out += '"';
    } else if (ref == "apos") {
      out += '\'';
    } else if (!ref.empty() && ref[0] == '#') {
      const bool hex = ref.size() > 1 && (ref[1] == 'x' || ref[1] == 'X');
      const std::string_view digits = ref.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      bool ok = !digits.empty();
      for (char c : digits) {
        uint32_t d = 0;
        if (c >= '0' && c <= '9') {
          d = static_cast<uint32_t>(c - '0');
        } else if (hex && c >= 'a' && c <= 'f') {
          d = static_cast<uint32_t>(c - 'a' + 10);
        } else if (hex && c >= 'A' && c <= 'F') {
          d = static_cast<uint32_t>(c - 'A' + 10);
        } else {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16u : 10u) + d;
        if (cp > 0x10FFFF) {
          ok = false;
          break;
        }
      }
      if (!ok || cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
        fail("expected a character reference to a valid character, got &" + std::string(ref) + ";");
      append_utf8(out, static_cast<char32_t>(cp));
    } else {
      fail("unknown entity &" + std::string(ref) +
           "; (only &lt; &gt; &amp; &quot; &apos; and character references are accepted)");
    }
    pos_ = semi + 1;
  }

  void parse_attributes(XmlElement& e) {
    for (;;) {
      const size_t before = pos_;
      skip_space();
      if (at_end()) fail("expected '>' to close the start tag of <" + e.name + ">");
      const char c = s_[pos_];
      if (c == '>' || c == '/') return;
      if (pos_ == before) fail("expected a space before the attribute in <" + e.name + ">");
      const std::string qname = parse_name("an attribute name");
      skip_space();
      if (at_end() || s_[pos_] != '=')
        fail("expected '=' after the attribute " + qname + " of <" + e.name + ">");
      ++pos_;
      skip_space();
      if (at_end() || (s_[pos_] != '"' && s_[pos_] != '\''))
        fail("expected a quoted value for the attribute " + qname);
      const char quote = s_[pos_++];
      std::string value;
      for (;;) {
        if (at_end()) fail("expected the closing quote of the attribute " + qname);
        const char v = s_[pos_];
        if (v == quote) {
          ++pos_;
          break;
        }
        if (v == '<') fail("'<' is not allowed in the value of the attribute " + qname);
        if (v == '&') {
          parse_reference(value);
          continue;
        }
        value += (v == '\n' || v == '\t') ? ' ' : v;
        ++pos_;
      }
      const bool keep_prefix = qname.rfind("xmlns", 0) == 0;
      std::string key = keep_prefix ? qname : local_name(qname);
      if (e.attribute(key)) fail("the attribute " + key + " is repeated in <" + e.name + ">");
      if (e.attributes.size() >= limits_.max_attributes)
        fail("more than " + std::to_string(limits_.max_attributes) + " attributes on <" + e.name +
             ">");
      e.attributes.emplace_back(std::move(key), std::move(value));
    }
  }

  // At '<' of a start tag: reads the start tag into a new element.
  // Returns true when the element is empty (<a/>).
  bool parse_start_tag(XmlElement& e) {
    const auto [l, c] = where();
    e.line = l;
    e.column = c;
    ++pos_;
    e.name = local_name(parse_name("an element name after '<'"));
    parse_attributes(e);
    if (s_[pos_] == '/') {
      ++pos_;
      if (at_end() || s_[pos_] != '>') fail("expected '>' after '/' in <" + e.name + "/>");
      ++pos_;
      return true;
    }
    ++pos_;  // '>'
    return false;
  }

  XmlElement parse_element_tree() {
    std::vector<XmlElement> stack;
    stack.emplace_back();
    if (parse_start_tag(stack.back())) return std::move(stack.back());
    for (;;) {
      if (at_end()) fail("expected </" + stack.back().name + "> before the end of the input");
      const char c = s_[pos_];
      if (c != '<') {
        if (c == '&') {
          parse_reference(stack.back().text);
        } else {
          const size_t next = std::min(s_.find('<', pos_), s_.find('&', pos_));
          const size_t end = next == std::string_view::npos ? s_.size() : next;
          stack.back().text.append(s_.data() + pos_, end - pos_);
          pos_ = end;
        }
        continue;
      }
      if (starts("<!--")) {
        skip_comment();
      } else if (starts("<![CDATA[")) {
        const size_t end = s_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) fail("expected ']]>' to close the CDATA section");
        stack.back().text.append(s_.data() + pos_ + 9, end - pos_ - 9);
        pos_ = end + 3;
      } else if (starts("<?")) {
        skip_pi();
      } else if (starts("<!")) {
        fail("expected an element, a comment or CDATA after '<!'");
      } else if (starts("</")) {
        const size_t tag = pos_;
        pos_ += 2;
        const std::string name = local_name(parse_name("an element name after '</'"));
        if (name != stack.back().name)
          fail_at(tag, "expected </" + stack.back().name + ">, found </" + name + ">");
        skip_space();
        if (at_end() || s_[pos_] != '>') fail("expected '>' to close </" + name + ">");
        ++pos_;
        XmlElement done = std::move(stack.back());
        stack.pop_back();
        if (stack.empty()) return done;
        stack.back().children.push_back(std::move(done));
      } else {
        if (stack.size() >= limits_.max_depth)
          fail("elements nested deeper than " + std::to_string(limits_.max_depth));
        XmlElement e;
        if (parse_start_tag(e))
          stack.back().children.push_back(std::move(e));
        else
          stack.push_back(std::move(e));
      }
    }
  }

  std::string_view s_;
  const XmlLimits& limits_;
  size_t pos_ = 0;
  size_t tracked_ = 0;
  size_t line_ = 1;
  size_t column_ = 1;
};

// The `encoding` pseudo-attribute of an XML declaration, "" when absent.
std::string declared_encoding(std::string_view text) {
  if (text.substr(0, 5) != "<?xml") return {};
  const size_t end = text.find("?>");
  if (end == std::string_view::npos) xml_fail(1, 1, "expected '?>' to close the XML declaration");
  const std::string_view decl = text.substr(0, end);
  const size_t at = decl.find("encoding");
  if (at == std::string_view::npos) return {};
  size_t i = at + 8;
  while (i < decl.size() && xml_space(decl[i])) ++i;
  if (i >= decl.size() || decl[i] != '=') xml_fail(1, i + 1, "expected '=' after encoding");
  ++i;
  while (i < decl.size() && xml_space(decl[i])) ++i;
  if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\''))
    xml_fail(1, i + 1, "expected a quoted encoding name");
  const char q = decl[i];
  const size_t close = decl.find(q, i + 1);
  if (close == std::string_view::npos) xml_fail(1, i + 1, "expected the closing quote");
  return std::string(decl.substr(i + 1, close - i - 1));
}

// CR LF and lone CR become LF (XML 1.0 section 2.11).
std::string normalize_newlines(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r') {
      out += '\n';
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else {
      out += in[i];
    }
  }
  return out;
}

}  // namespace

XmlDocument parse_xml(std::string_view bytes, const XmlLimits& limits) {
  if (bytes.size() > limits.max_bytes)
    xml_fail(1, 1,
             "the document is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                 std::to_string(limits.max_bytes));
  XmlDocument doc;
  if (bytes.size() >= 2 &&
      ((bytes[0] == '\xFE' && bytes[1] == '\xFF') || (bytes[0] == '\xFF' && bytes[1] == '\xFE')))
    xml_fail(1, 1, "UTF-16 is not supported; expected UTF-8 or windows-1251");
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    doc.had_bom = true;
    bytes.remove_prefix(3);
  }
  doc.encoding = declared_encoding(bytes);
  const std::string enc = lower_ascii(doc.encoding);
  std::string text;
  if (enc.empty() || enc == "utf-8" || enc == "utf8") {
    text = normalize_newlines(bytes);
  } else if (enc == "windows-1251" || enc == "cp1251" || enc == "win-1251") {
    if (doc.had_bom) xml_fail(1, 1, "a UTF-8 byte-order mark before a windows-1251 declaration");
    size_t bad = 0;
    auto utf8 = cp1251_to_utf8(bytes, &bad);
    if (!utf8) {
      const auto [l, c] = position_of(bytes, bad);
      xml_fail(l, c, "byte 0x98 is not windows-1251");
    }
    text = normalize_newlines(*utf8);
  } else {
    xml_fail(1, 1,
             "encoding \"" + doc.encoding + "\" is not supported; expected UTF-8 or windows-1251");
  }
  if (const size_t bad = first_bad_utf8(text); bad != std::string_view::npos) {
    const auto [l, c] = position_of(text, bad);
    xml_fail(l, c,
             "expected UTF-8 text (the declaration says " +
                 (doc.encoding.empty() ? std::string("nothing, so UTF-8") : doc.encoding) + ")");
  }
  XmlParser parser(text, limits);
  doc.root = parser.parse_document();
  return doc;
}

}  // namespace opora::exchange
