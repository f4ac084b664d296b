// Progress on stderr for long work: "label  done/total  pct  ETA", redrawn in place a few times a
// second on a terminal, one line every few seconds in a log; silent when quiet or the work is short.
#pragma once

#include <chrono>
#include <cstdint>

namespace salient::cli {

class Progress {
 public:
  Progress(const char* label, int64_t total, bool quiet);
  ~Progress();
  /// Reports `done` of total; `note` (e.g. "epoch 3 loss 0.41") is shown after the counter.
  void update(int64_t done, const char* note = nullptr);

 private:
  using Clock = std::chrono::steady_clock;
  const char* label_;
  int64_t total_;
  bool quiet_;
  bool terminal_;  // stderr is a terminal
  bool drawn_ = false;
  Clock::time_point start_, last_;
};

}  // namespace salient::cli
