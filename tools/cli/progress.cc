#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace salient::cli {

Progress::Progress(const char* label, int64_t total, bool quiet)
    : label_(label), total_(total), quiet_(quiet), terminal_(isatty(fileno(stderr)) != 0), start_(Clock::now()),
      last_(start_) {}

Progress::~Progress() {
  if (drawn_) std::fputc('\n', stderr);
}

void Progress::update(int64_t done, const char* note) {
  if (quiet_ || total_ <= 0) return;
  const Clock::time_point now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  // Only long work shows progress: after half a second, then every 0.2 s on a terminal (redrawn in
  // place) or every 5 s in a log (one line each), and at the end.
  const double interval = terminal_ ? 0.2 : 5.0;
  if (elapsed < 0.5 || (done < total_ && std::chrono::duration<double>(now - last_).count() < interval)) return;
  last_ = now;
  const double fraction = static_cast<double>(done) / static_cast<double>(total_);
  const double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
  std::fprintf(stderr, "%s%s %lld/%lld %5.1f%%  elapsed %.1fs  ETA %.1fs  %s%s", terminal_ ? "\r" : "", label_,
               static_cast<long long>(done), static_cast<long long>(total_), 100.0 * fraction, elapsed, eta,
               note ? note : "", terminal_ ? " " : "\n");
  std::fflush(stderr);
  drawn_ = terminal_;  // a terminal line is finished by the destructor
}

}  // namespace salient::cli
