// In the embedded preset the tests themselves are compiled like the core: no exceptions, no RTTI.
// The engine runs entirely on a caller-provided buffer there.
#include <gtest/gtest.h>

#include <vector>

#include "salient/explain/backprop.h"
#include "salient/model.h"

namespace salient {
namespace {

#if SALIENT_EMBEDDED_BUILD
TEST(EmbeddedBuild, CompiledWithoutExceptionsOrRtti) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  ADD_FAILURE() << "exceptions are enabled in the embedded build";
#endif
#if defined(__GXX_RTTI) || defined(__cpp_rtti)
  ADD_FAILURE() << "RTTI is enabled in the embedded build";
#endif
#ifndef SALIENT_NO_THREADS
  ADD_FAILURE() << "threads are enabled in the embedded build";
#endif
  SUCCEED();
}
#endif

// Forward and backward of a small CNN on a static buffer: no system allocation at all.
TEST(EmbeddedBuild, ExplainsOnAUserBuffer) {
  Result<Model> m = Model::create(Shape{1, 6, 6}, {Layer::conv2d("c", 1, 2, {3, 3}), Layer::relu("r"),
                                                   Layer::flatten("f"), Layer::linear("fc", 32, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(1);
  std::vector<float> x(36, 0.5f), attr(36);
  alignas(64) static unsigned char buffer[64 * 1024];
  Arena arena(buffer, sizeof buffer);
  ASSERT_TRUE(explain::backprop(*m, x.data(), Shape{1, 1, 6, 6}, {}, gradient_rules(), arena, attr.data()).ok());
  EXPECT_EQ(arena.system_allocations(), 0);
  float total = 0;
  for (float v : attr) total += v * v;
  EXPECT_GT(total, 0.0f);

  alignas(64) static unsigned char tiny[2048];
  Arena small(tiny, sizeof tiny);
  Status s = explain::backprop(*m, x.data(), Shape{1, 1, 6, 6}, {}, gradient_rules(), small, attr.data());
  EXPECT_EQ(s.code(), Code::kOutOfMemory);
}

}  // namespace
}  // namespace salient
