// ISA detection (cpuid through the compiler's CPU-feature builtins, which also check that the OS
// saves the wider registers) and the cap (SALIENT_MAX_ISA, set_max_isa).
#include "salient/isa.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace salient {
namespace {

Isa detect() {
#if SALIENT_KERNELS_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    return Isa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
#elif SALIENT_KERNELS_NEON
  return Isa::kNeon;  // Advanced SIMD is part of the aarch64 baseline
#endif
  return Isa::kScalar;
}

Isa cap_from_environment() {
  const char* value = std::getenv("SALIENT_MAX_ISA");
  Isa isa = Isa::kScalar;
  if (value == nullptr || *value == '\0') return cpu_isa();
  if (parse_isa(value, &isa)) return isa;
  std::fprintf(stderr,
               "salient: ignoring SALIENT_MAX_ISA=%s (expected scalar, avx2, avx512 or neon)\n",
               value);
  return cpu_isa();
}

constexpr int kUnread = -1;
std::atomic<int> g_cap{kUnread};

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kNeon: return "neon";
  }
  return "unknown";
}

bool parse_isa(const char* name, Isa* isa) {
  for (Isa candidate : kAllIsas)
    if (std::strcmp(name, isa_name(candidate)) == 0) {
      *isa = candidate;
      return true;
    }
  return false;
}

bool isa_within(Isa variant, Isa cap) {
  if (variant == Isa::kScalar) return true;
  if (variant == Isa::kNeon || cap == Isa::kNeon) return variant == cap;
  return variant <= cap;
}

Isa cpu_isa() {
  static const Isa detected = detect();
  return detected;
}

Isa max_isa() {
  int cap = g_cap.load(std::memory_order_acquire);
  if (cap == kUnread) {
    int expected = kUnread;
    g_cap.compare_exchange_strong(expected, static_cast<int>(cap_from_environment()));
    cap = g_cap.load(std::memory_order_acquire);
  }
  return static_cast<Isa>(cap);
}

void set_max_isa(Isa cap) { g_cap.store(static_cast<int>(cap), std::memory_order_release); }

Isa active_isa() {
  const Isa cap = max_isa(), cpu = cpu_isa();
  if (isa_within(cap, cpu)) return cap;
  if (isa_within(cpu, cap)) return cpu;
  return Isa::kScalar;  // a cap from the other architecture's ladder
}

}  // namespace salient
