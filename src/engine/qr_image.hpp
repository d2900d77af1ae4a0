// The image options every QR method takes (format, scale, margin, ecc) and
// the `image` object they return, shared by qr.image (methods_qr.cpp) and
// billing.qr.image / billing.order.payment (methods_billing.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "engine/params.hpp"

namespace opora::engine {

// Parameter schema members (no surrounding braces, no trailing comma).
extern const char* const kQrImageParams;
// The result schema of `image`.
extern const char* const kQrImageResult;

// Draws `bytes` as a QR image with the call's options; `field` names the
// parameter the bytes came from in errors (empty, too long for a QR).
boost::json::object qr_image(const std::string& bytes, const Params& p, const std::string& field);

}  // namespace opora::engine
