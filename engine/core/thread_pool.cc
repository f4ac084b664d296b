// The thread pool behind parallel_for (threads.h): persistent workers that sleep on a condition
// variable between loops. Worker w runs chunk w of each loop; the caller runs chunk 0 and then
// waits for the others. Compiled only in builds with threads (SALIENT_THREADS=ON).
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "salient/threads.h"

namespace salient {
namespace {

constexpr int kMaxThreads = 256;

int default_thread_count() {
  if (const char* env = std::getenv("SALIENT_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n >= 1)
      return static_cast<int>(std::min<long>(n, kMaxThreads));
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min<unsigned>(hw, kMaxThreads));
}

std::atomic<int> g_threads{0};  // 0: not yet read from the environment
thread_local bool t_in_loop = false;

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  // Runs the loop on `chunks` threads if the pool is free; false if another loop holds it.
  bool run(int64_t n, int chunks, void* ctx, ParallelBody body) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (static_cast<int>(workers_.size()) < chunks - 1) {
        const int index = static_cast<int>(workers_.size()) + 1;
        workers_.emplace_back([this, index] { work(index); });
      }
      n_ = n;
      chunks_ = chunks;
      ctx_ = ctx;
      body_ = body;
      pending_ = chunks - 1;
      ++generation_;
    }
    wake_.notify_all();
    run_chunk(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    return true;
  }

 private:
  void run_chunk(int t) const {
    const int64_t begin = n_ * t / chunks_, end = n_ * (t + 1) / chunks_;
    if (begin < end) body_(ctx_, begin, end);
  }

  void work(int index) {
    t_in_loop = true;  // loops started from a chunk run serially
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (index >= chunks_) continue;
      lock.unlock();
      run_chunk(index);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::mutex busy_;   // held by the thread whose loop owns the pool
  std::mutex mutex_;  // guards everything below
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
  uint64_t generation_ = 0;
  int64_t n_ = 0;
  int chunks_ = 0;
  int pending_ = 0;
  void* ctx_ = nullptr;
  ParallelBody body_ = nullptr;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int thread_count() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    int expected = 0;
    g_threads.compare_exchange_strong(expected, default_thread_count());
    n = g_threads.load(std::memory_order_relaxed);
  }
  return n;
}

void set_thread_count(int n) {
  g_threads.store(std::clamp(n, 1, kMaxThreads), std::memory_order_relaxed);
}

void parallel_for(int64_t n, void* ctx, ParallelBody body) {
  if (n <= 0) return;
  const int chunks = static_cast<int>(std::min<int64_t>(n, thread_count()));
  if (chunks > 1 && !t_in_loop) {
    t_in_loop = true;
    const bool ran = pool().run(n, chunks, ctx, body);
    t_in_loop = false;
    if (ran) return;
  }
  body(ctx, 0, n);
}

}  // namespace salient
