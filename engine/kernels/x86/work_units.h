// What the x86 kernels' own translation units share for splitting work over the threads. Internal
// linkage: each translation unit keeps its own copy, compiled with its flags (docs/kernels.md, "Own
// translation units, own flags"), so no inline library template compiled for AVX-512 can serve a
// baseline caller.
#pragma once

#include <cstdint>

#include "salient/threads.h"

namespace salient::kern {
namespace {

// Not std::min, for the reason above.
int64_t lesser(int64_t a, int64_t b) { return a < b ? a : b; }

// Below this many FLOPs per thread, waking the workers costs more than they save (as in the SGEMM).
constexpr double kFlopsPerThread = 2e6;

// run(begin, end) over [0, units): in contiguous ranges on the threads when the call has
// kFlopsPerThread of work for each, else in one call. The caller's units must not depend on the
// split, so results are the same for every thread count.
// Whether a call of `flops` goes to the threads (run_units below).
bool runs_threaded(double flops) {
  return thread_count() > 1 && flops >= kFlopsPerThread * thread_count();
}

template <class Run>
void run_units(int64_t units, double flops, Run&& run) {
  if (runs_threaded(flops))
    parallel_for(units, run);
  else
    run(0, units);
}

}  // namespace
}  // namespace salient::kern
