// The thread-local "last error" behind opora_last_error_message/json.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"

namespace opora::capi {

const char* status_name(int code) noexcept;  // "OPORA_EINVAL"

void set_error(ErrorCode code, std::string message, const std::vector<FieldError>& fields = {});
void clear_error() noexcept;
const char* last_message() noexcept;
const char* last_json() noexcept;

}  // namespace opora::capi
