// The thread pool behind parallel_for: every index runs exactly once, in contiguous static chunks,
// for any thread count; nested loops run serially; a build without threads is a plain loop.
#include "salient/threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace salient {
namespace {

class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(thread_count()) {}
  ~ThreadCountGuard() { set_thread_count(saved_); }

 private:
  int saved_;
};

TEST(Threads, EveryIndexRunsOnceInContiguousChunks) {
  ThreadCountGuard guard;
  for (int threads : {1, 2, 3, 8}) {
    set_thread_count(threads);
    for (int64_t n : {0, 1, 2, 3, 7, 100, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      std::atomic<int> chunks{0};
      parallel_for(n, [&](int64_t begin, int64_t end) {
        ASSERT_LT(begin, end);
        chunks.fetch_add(1);
        for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << i;
      EXPECT_LE(chunks.load(), n < thread_count() ? n : thread_count()) << "n=" << n;
    }
  }
}

TEST(Threads, ThreadCountIsClamped) {
  ThreadCountGuard guard;
  set_thread_count(0);
  EXPECT_EQ(thread_count(), 1);
#if !SALIENT_NO_THREADS
  set_thread_count(100000);
  EXPECT_EQ(thread_count(), 256);
  set_thread_count(3);
  EXPECT_EQ(thread_count(), 3);
#endif
}

// A loop inside a chunk runs on the chunk's thread, and still covers its range.
TEST(Threads, NestedLoopsRunSerially) {
  ThreadCountGuard guard;
  set_thread_count(4);
  std::atomic<int64_t> sum{0};
  parallel_for(8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      parallel_for(10, [&](int64_t b, int64_t e) {
        for (int64_t j = b; j < e; ++j) sum.fetch_add(i * 10 + j);
      });
  });
  EXPECT_EQ(sum.load(), 79 * 80 / 2);
}

#if SALIENT_NO_THREADS
TEST(Threads, NoThreadsBuildRunsOneChunk) {
  EXPECT_EQ(thread_count(), 1);
  int calls = 0;
  parallel_for(5, [&](int64_t begin, int64_t end) {
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 5);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}
#endif

}  // namespace
}  // namespace salient
