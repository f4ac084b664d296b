#include "op_support.h"

#include <cstdarg>
#include <cstdio>

namespace salient::ops {

Tensor reject(Graph& g, const char* format, ...) {
  char message[Status::kMaxMessage];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  g.fail(Status::error(Code::kInvalidArgument, "%s", message));
  return {};
}

}  // namespace salient::ops
