// The per-thread buffer that SGEMM packs its A block and B panel into.
#pragma once

#include <cstddef>

namespace salient::kern {

/// Floats in the static buffer of a build without threads: the largest MC·KC + KC·NC of the
/// variants (AVX-512: 168·256 + 256·512 = 170 Ki floats, 680 KiB); each variant static_asserts it.
inline constexpr size_t kStaticPackFloats = size_t{170} * 1024;

/// A 64-byte-aligned buffer of at least `floats` floats, private to the calling thread and reused
/// by every SGEMM on it. With threads it is allocated on first use (and regrown if a larger one is
/// asked for) and freed when the thread ends; without threads (SALIENT_NO_THREADS) it is one static
/// block of kStaticPackFloats, so the engine never allocates.
float* pack_buffer(size_t floats);

}  // namespace salient::kern
