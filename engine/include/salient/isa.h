// Instruction-set levels of the kernel variants, detected once from cpuid and capped for tests and
// benchmarks (SPEC §2.4). On x86-64 the ladder is scalar < avx2 < avx512; on aarch64 it is
// scalar < neon. The cap comes from the environment (SALIENT_MAX_ISA=scalar|avx2|avx512|neon, read
// once) or from set_max_isa(); kernels() then serves the best variant at or below it.
#pragma once

namespace salient {

enum class Isa : unsigned char {
  kScalar,  // the reference kernels: the oracle, and last in dispatch
  kAvx2,    // x86-64 AVX2 + FMA
  kAvx512,  // x86-64 AVX-512 F/VL/BW/DQ
  kNeon,    // aarch64 Advanced SIMD
};

/// Every Isa value, lowest first (for loops over variants in tests and benchmarks).
inline constexpr Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon};

/// "scalar", "avx2", "avx512", "neon".
const char* isa_name(Isa isa);
/// Parses isa_name's spelling; false (and *isa untouched) for anything else.
bool parse_isa(const char* name, Isa* isa);
/// True when a variant built for `variant` may run under the cap `cap`: scalar always; otherwise
/// the two must be on the same ladder and variant ≤ cap.
bool isa_within(Isa variant, Isa cap);
/// The best level this CPU (cpuid, with OS support for the registers) and this build support.
Isa cpu_isa();
/// The cap in force: SALIENT_MAX_ISA when the process started, or the last set_max_isa().
Isa max_isa();
/// Caps kernels() at `cap` (a cap above cpu_isa() means cpu_isa()). Affects graphs created later.
void set_max_isa(Isa cap);
/// The level kernels() serves: cpu_isa() capped by max_isa().
Isa active_isa();

}  // namespace salient
