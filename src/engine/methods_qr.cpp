// qr.image: any text or bytes (a payment link, a GOST payment payload) as a
// QR image, SVG or PNG; and the image options the billing QR methods share.
#include <boost/json.hpp>

#include "billing/qr_image.hpp"
#include "core/base64.hpp"
#include "core/error.hpp"
#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/qr_image.hpp"

namespace opora::engine {
namespace json = boost::json;

const char* const kQrImageParams =
    R"~("format": {"type": "string", "enum": ["png", "svg"], "description": "default png"},
    "scale": {"type": "integer", "minimum": 1, "maximum": 100, "description": "pixels per module, default 8 (PNG; sets an SVG's width and height when given); the image is at most 4096 pixels wide"},
    "margin": {"type": "integer", "minimum": 0, "maximum": 40, "description": "quiet zone in modules, default 4"},
    "ecc": {"type": "string", "enum": ["L", "M", "Q", "H"], "description": "error correction level, default M"})~";

const char* const kQrImageResult = R"~({"type": "object", "properties": {
    "format": {"type": "string", "enum": ["png", "svg"]},
    "mime": {"type": "string", "enum": ["image/png", "image/svg+xml"]},
    "width": {"type": "integer", "description": "PNG: pixels; SVG: modules in the viewBox, quiet zone included (the image is square)"},
    "modules": {"type": "integer", "description": "modules on a side of the symbol, without the quiet zone"},
    "version": {"type": "integer", "description": "QR version, 1..40"},
    "ecc": {"type": "string", "enum": ["L", "M", "Q", "H"]},
    "margin": {"type": "integer"},
    "content": {"type": "string", "description": "SVG: the image's text"},
    "content_base64": {"type": "string", "description": "PNG: the file's bytes"}}})~";

namespace {

constexpr int64_t kQrMaxPixels = 4096;

}  // namespace

json::object qr_image(const std::string& bytes, const Params& p, const std::string& field) {
  const std::string format = p.opt_str("format").value_or("png");
  const std::string ecc_name = p.opt_str("ecc").value_or("M");
  billing::QrEcc ecc = billing::QrEcc::M;
  if (ecc_name == "L")
    ecc = billing::QrEcc::L;
  else if (ecc_name == "Q")
    ecc = billing::QrEcc::Q;
  else if (ecc_name == "H")
    ecc = billing::QrEcc::H;
  else if (ecc_name != "M")
    fail_field(ErrorCode::invalid, "ecc", "enum", "expected L, M, Q or H");
  const int64_t margin = p.opt_int64("margin").value_or(4);
  const std::optional<int64_t> scale = p.opt_int64("scale");
  if (margin < 0 || margin > 40)
    fail_field(ErrorCode::invalid, "margin", "range", "must be from 0 to 40 modules");
  if (scale && (*scale < 1 || *scale > 100))
    fail_field(ErrorCode::invalid, "scale", "range", "must be from 1 to 100 pixels per module");

  const billing::QrSymbol symbol = billing::encode_qr(bytes, ecc, field);
  const int64_t side = symbol.size + 2 * margin;
  const int64_t px_per_module = scale.value_or(8);
  if (side * px_per_module > kQrMaxPixels && (format == "png" || scale))
    fail_field(ErrorCode::invalid, "scale", "image_size",
               "the image would be " + std::to_string(side * px_per_module) + " pixels wide (" +
                   std::to_string(side) + " modules × " + std::to_string(px_per_module) +
                   "); at most " + std::to_string(kQrMaxPixels) +
                   " are drawn: lower scale or margin");
  json::object image{{"format", format},
                     {"modules", symbol.size},
                     {"version", symbol.version},
                     {"ecc", ecc_name},
                     {"margin", margin}};
  if (format == "svg") {
    image["mime"] = "image/svg+xml";
    image["width"] = side;
    image["content"] =
        billing::qr_svg(symbol, static_cast<int>(margin), static_cast<int>(scale.value_or(0)));
  } else if (format == "png") {
    image["mime"] = "image/png";
    image["width"] = side * px_per_module;
    image["content_base64"] = base64_encode(
        billing::qr_png(symbol, static_cast<int>(px_per_module), static_cast<int>(margin)));
  } else {
    fail_field(ErrorCode::invalid, "format", "enum", "expected png or svg");
  }
  return image;
}

void register_qr_methods(MethodTable& t) {
  t.add("qr.image",
        "Any text (a payment link) or bytes as a QR image, PNG or SVG: exactly the bytes given, "
        "in 8-bit mode.",
        std::string(R"~({"type": "object", "properties": {
          "text": {"type": "string", "description": "UTF-8 text to encode as it is"},
          "payload_base64": {"type": "string", "description": "bytes to encode (a windows-1251 GOST payload from billing.qr); instead of text"},
          )~") +
            kQrImageParams + "}}",
        std::string(R"~({"type": "object", "properties": {
          "bytes": {"type": "integer", "description": "how many bytes the symbol holds"},
          "image": )~") +
            kQrImageResult + "}}",
        false, [](Database&, const Params& p) {
          if (p.has("text") == p.has("payload_base64"))
            fail_field(ErrorCode::invalid, "text", "one_of",
                       "give exactly one of text or payload_base64");
          const bool is_text = p.has("text");
          const std::string bytes =
              is_text ? p.str("text")
                      : base64_decode_field(p.str("payload_base64"), "payload_base64");
          json::object image = qr_image(bytes, p, is_text ? "text" : "payload_base64");
          return json::object{{"bytes", static_cast<int64_t>(bytes.size())},
                              {"image", std::move(image)}};
        });
}

}  // namespace opora::engine
