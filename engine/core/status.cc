#include "salient/status.h"

#include <cstdlib>

namespace salient {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kOutOfMemory: return "out of memory";
    case Code::kNotFound: return "not found";
    case Code::kIoError: return "I/O error";
    case Code::kParseError: return "parse error";
    case Code::kUnimplemented: return "unimplemented";
    case Code::kInternal: return "internal error";
  }
  return "unknown";
}

Status Status::error(Code code, const char* format, ...) {
  SALIENT_ASSERT(code != Code::kOk);
  Status s;
  s.code_ = code;
  va_list args;
  va_start(args, format);
  std::vsnprintf(s.message_, sizeof s.message_, format, args);
  va_end(args);
  return s;
}

namespace detail {
void assert_fail(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}
}  // namespace detail

}  // namespace salient
