// Threads: one small pool of workers for GEMM and for batch-level loops (SPEC §11: two threads
// should give ≥ 1.8× one). Work is split into static contiguous chunks, so a given thread count
// always assigns the same work to the same chunk (SPEC §2.6). A build without threads
// (SALIENT_NO_THREADS, the embedded preset) has no pool: parallel_for is a plain loop.
#pragma once

#include <cstdint>
#include <type_traits>

namespace salient {

/// A body runs the indices [begin, end) of a parallel loop; ctx is the caller's state.
using ParallelBody = void (*)(void* ctx, int64_t begin, int64_t end);

#if SALIENT_NO_THREADS

inline int thread_count() { return 1; }
inline void set_thread_count(int) {}
inline void parallel_for(int64_t n, void* ctx, ParallelBody body) {
  if (n > 0) body(ctx, 0, n);
}

#else

/// The threads parallel loops use: SALIENT_THREADS from the environment when it is a positive
/// integer, else the hardware's thread count. 1 in a build without threads.
int thread_count();
/// Sets thread_count() to n (clamped to [1, 256]); workers start on first use.
void set_thread_count(int n);
/// Runs body over [0, n) split into min(n, thread_count()) contiguous chunks
/// [n·t/T, n·(t+1)/T), chunk 0 on the calling thread, and returns when every chunk is done.
/// A call from inside a chunk, or while another thread's loop holds the pool, runs serially.
void parallel_for(int64_t n, void* ctx, ParallelBody body);

#endif

/// parallel_for over a callable f(int64_t begin, int64_t end).
template <class F>
void parallel_for(int64_t n, F&& f) {
  using Fn = std::remove_reference_t<F>;
  parallel_for(n, const_cast<void*>(static_cast<const void*>(&f)),
               [](void* ctx, int64_t b, int64_t e) { (*static_cast<Fn*>(ctx))(b, e); });
}

}  // namespace salient
