// SALIENT_ASSERT: kernel and internal invariants. Not for anything a user can cause (that is a
// Status). On failure it prints the condition with file:line to stderr and aborts, in every build.
#pragma once

namespace salient::detail {
[[noreturn]] void assert_fail(const char* condition, const char* file, int line);
}  // namespace salient::detail

#define SALIENT_ASSERT(cond) \
  ((cond) ? (void)0 : ::salient::detail::assert_fail(#cond, __FILE__, __LINE__))
