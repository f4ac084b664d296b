#include "salient/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "salient/graph.h"
#include "salient/ops.h"
#include "salient/rules.h"

namespace salient {
namespace {

bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % Arena::kAlignment == 0; }

TEST(Arena, AllocationsAreAlignedAndDisjoint) {
  Arena arena(1024);
  char* a = static_cast<char*>(arena.allocate(3));
  char* b = static_cast<char*>(arena.allocate(100));
  char* c = static_cast<char*>(arena.allocate(0));
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(aligned(a) && aligned(b) && aligned(c));
  EXPECT_GE(b - a, 3);
  EXPECT_GE(c - b, 100);
  EXPECT_EQ(arena.used_bytes(), 64u + 128u + 64u);
}

TEST(Arena, UserBufferNeverMallocsAndReportsExhaustion) {
  alignas(64) static unsigned char buffer[4096];
  Arena arena(buffer, sizeof buffer);
  void* first = arena.allocate(1000);
  ASSERT_NE(first, nullptr);
  EXPECT_GE(static_cast<unsigned char*>(first), buffer);
  EXPECT_EQ(arena.allocate(100000), nullptr);  // too large: nullptr, no growth
  EXPECT_EQ(arena.system_allocations(), 0);
  arena.reset();
  EXPECT_EQ(arena.used_bytes(), 0u);
  EXPECT_EQ(arena.allocate(1000), first);  // reset rewinds to the start
}

TEST(Arena, UnalignedUserBufferIsAligned) {
  static unsigned char buffer[1024 + 64];
  Arena arena(buffer + 1, 1024);
  void* p = arena.allocate(8);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(aligned(p));
}

TEST(Arena, TooSmallUserBufferFailsEveryAllocation) {
  static unsigned char buffer[16];
  Arena arena(buffer, sizeof buffer);
  EXPECT_EQ(arena.allocate(1), nullptr);
}

TEST(Arena, OwnedArenaGrowsThenConsolidatesOnReset) {
  Arena arena(256);
  for (int i = 0; i < 20; ++i) ASSERT_NE(arena.allocate(200), nullptr);
  EXPECT_GT(arena.block_count(), 1);
  const size_t peak = arena.peak_bytes();
  arena.reset();
  EXPECT_EQ(arena.block_count(), 1);
  EXPECT_GE(arena.capacity_bytes(), peak);
  const int64_t mallocs = arena.system_allocations();
  for (int i = 0; i < 20; ++i) ASSERT_NE(arena.allocate(200), nullptr);
  EXPECT_EQ(arena.system_allocations(), mallocs);  // the second pass fits the merged block
}

TEST(Arena, ZeroedFloats) {
  Arena arena(1 << 12);
  float* p = arena.allocate_zeroed_floats(100);
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(p[i], 0.0f);
}

TEST(Arena, RewindFreesOnlyWhatCameAfterTheMarkInAUserBuffer) {
  alignas(64) static unsigned char buffer[8192];
  Arena arena(buffer, sizeof buffer);
  float* kept = arena.allocate_zeroed_floats(16);
  ASSERT_NE(kept, nullptr);
  kept[3] = 7.0f;
  const Arena::Mark m = arena.mark();
  void* scratch = arena.allocate(1000);
  ASSERT_NE(scratch, nullptr);
  EXPECT_EQ(arena.used_bytes(), 64u + 1024u);
  arena.rewind(m);
  EXPECT_EQ(arena.used_bytes(), 64u);
  EXPECT_EQ(arena.peak_bytes(), 64u + 1024u);  // the peak remembers the scratch
  EXPECT_EQ(arena.allocate(1000), scratch);    // the same scratch region again
  EXPECT_EQ(kept[3], 7.0f);
  EXPECT_FALSE(arena.owns_memory());
  EXPECT_EQ(arena.system_allocations(), 0);
}

// An owned arena that grows inside a rewound scratch region stops calling malloc after the first
// pass, keeps what was allocated before the mark, and its peak is that of one pass.
TEST(Arena, OwnedRewindKeepsTheGrownBlockAndTheDataBeforeTheMark) {
  Arena arena(256);
  int* kept = arena.allocate_array<int>(8);
  ASSERT_NE(kept, nullptr);
  for (int i = 0; i < 8; ++i) kept[i] = i * i;
  const Arena::Mark m = arena.mark();
  auto pass = [&] {
    for (int i = 0; i < 30; ++i) ASSERT_NE(arena.allocate(200), nullptr);
  };
  pass();
  const size_t peak = arena.peak_bytes();
  EXPECT_EQ(peak, 64u + 30u * 256u);
  arena.rewind(m);
  EXPECT_EQ(arena.used_bytes(), 64u);
  const int64_t mallocs = arena.system_allocations();
  for (int k = 0; k < 5; ++k) {
    pass();
    arena.rewind(m);
  }
  EXPECT_EQ(arena.system_allocations(), mallocs);
  EXPECT_EQ(arena.peak_bytes(), peak);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(kept[i], i * i);
  EXPECT_TRUE(arena.owns_memory());
}

TEST(Arena, RewindOfAFreshOwnedArena) {
  Arena arena(128);
  const Arena::Mark m = arena.mark();  // before any block exists
  ASSERT_NE(arena.allocate(500), nullptr);
  ASSERT_NE(arena.allocate(500), nullptr);
  arena.rewind(m);
  EXPECT_EQ(arena.used_bytes(), 0u);
  EXPECT_EQ(arena.block_count(), 1);
  const int64_t mallocs = arena.system_allocations();
  ASSERT_NE(arena.allocate(500), nullptr);
  EXPECT_EQ(arena.system_allocations(), mallocs);
}

// A whole forward and backward pass: after the first pass has sized the arena, a second pass
// makes no system allocation at all.
TEST(Arena, ForwardAndBackwardRunWithoutMallocAfterWarmup) {
  std::vector<float> x(4 * 8), w(16 * 8), b(16);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.01f * static_cast<float>(i);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.02f * static_cast<float>(i % 7) - 0.05f;
  Arena arena(512);
  auto pass = [&] {
    Graph g(arena);
    Tensor xt = g.input(x.data(), Shape{4, 8}, true);
    Tensor wt = g.param(w.data(), Shape{16, 8});
    Tensor bt = g.param(b.data(), Shape{16});
    Tensor y = softmax(g, relu(g, linear(g, xt, wt, &bt)));
    ASSERT_TRUE(g.backward(y, nullptr, gradient_rules()).ok());
    ASSERT_NE(g.grad(xt), nullptr);
  };
  pass();
  arena.reset();
  const int64_t mallocs = arena.system_allocations();
  pass();
  EXPECT_EQ(arena.system_allocations(), mallocs);
}

TEST(Arena, GraphReportsOutOfMemoryAsStatus) {
  alignas(64) static unsigned char buffer[8192];
  Arena arena(buffer, sizeof buffer);
  Graph g(arena);
  std::vector<float> x(64 * 64, 1.0f);
  Tensor xt = g.input(x.data(), Shape{64, 64});
  Tensor y = relu(g, xt);  // needs 16 KiB: more than the buffer
  EXPECT_FALSE(y.valid());
  EXPECT_EQ(g.status().code(), Code::kOutOfMemory);
  EXPECT_NE(std::string(g.status().message()).find("[64, 64]"), std::string::npos);
}

}  // namespace
}  // namespace salient
