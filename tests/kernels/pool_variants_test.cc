// Every pooling variant (maxpool2d_forward, maxpool2d_backward, avgpool2d_forward and
// avgpool2d_backward of kernels_for(isa) for each SIMD ISA this CPU runs) against the scalar
// reference on geometries covering stride 1 (contiguous loads) and 2-3 (gathers or window
// permutes), rows shorter than, equal to and longer than one vector (tails), rows of fewer than
// half a vector (several rows per vector, with partial runs), 1-D pools (H = 1), a window covering
// the whole input, and batches of planes. Inputs are quantised to quarters so windows hold ties
// (the first maximum must win), with NaN, ±inf and −0 sprinkled in (a NaN wins and propagates, as
// in PyTorch). Both kernels do the reference's operations in its order, so the check is
// bit-identical values and identical argmax indices (no tolerance), and sentinels after every
// output must survive. The max-pool backward scatters gy (quarters, with the same specials) through
// the reference's argmax into a gx holding NaN, ±inf and −0 (an addition where none belongs shows:
// −0 + 0 is +0); overlapping windows repeat indices, whose sums must come in the reference's order;
// the average backward adds gy/(kh·kw) to every tap of the same gx. gx must match bit for bit (NaN:
// NaN).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "salient/isa.h"
#include "salient/kernels.h"
#include "salient/random.h"
#include "support/simd_tables.h"

namespace salient {
namespace {

constexpr float kSentinel = -777.0f;
constexpr int kTail = 5;  // sentinel values after every output

using testing_kernels::simd_tables;

struct Case {
  int n, c, h, w, kh, kw, sh, sw;
};

Pool2dGeometry geometry(const Case& c) {
  return {
      c.n, c.c, c.h, c.w, c.kh, c.kw, c.sh, c.sw, (c.h - c.kh) / c.sh + 1, (c.w - c.kw) / c.sw + 1};
}

std::vector<float> input(const Pool2dGeometry& g, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(size_t(g.n) * g.c * g.h * g.w);
  for (float& v : x) v = std::round(rng.uniform(-2.0f, 2.0f) * 4.0f) / 4.0f;  // ties
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), -0.0f};
  for (size_t i = 0; i < x.size(); i += 37) x[i] = specials[(i / 37) % 4];
  return x;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_or_nan(float a, float b) { return same_bits(a, b) || (std::isnan(a) && std::isnan(b)); }

// gx before the backward: values with NaN, ±inf and −0 (which an added 0 would turn into +0).
std::vector<float> gradient_start(size_t n, uint64_t seed) {
  std::vector<float> gx =
      input(Pool2dGeometry{1, 1, 1, static_cast<int>(n), 1, 1, 1, 1, 1, 1}, seed);
  for (size_t i = 5; i < n; i += 11) gx[i] = -0.0f;
  return gx;
}

void check(const Case& c) {
  const Pool2dGeometry g = geometry(c);
  SCOPED_TRACE(testing::Message() << "n=" << c.n << " c=" << c.c << " " << c.h << "x" << c.w
                                  << " k=" << c.kh << "x" << c.kw << " s=" << c.sh << "x" << c.sw);
  const std::vector<float> x = input(g, uint64_t(c.h) * 131 + uint64_t(c.w) * 7 + uint64_t(c.sw));
  const size_t outputs = size_t(g.n) * g.c * g.oh * g.ow;
  const KernelTable& ref = reference_kernels();
  std::vector<float> max_want(outputs), avg_want(outputs);
  std::vector<int32_t> arg_want(outputs);
  ref.maxpool2d_forward(g, x.data(), max_want.data(), arg_want.data());
  ref.avgpool2d_forward(g, x.data(), avg_want.data());
  const std::vector<float> gy =
      input(Pool2dGeometry{1, 1, 1, static_cast<int>(outputs), 1, 1, 1, 1, 1, 1}, 99);
  const size_t inputs = x.size();
  const std::vector<float> gx_start = gradient_start(inputs, 5);
  std::vector<float> gx_want = gx_start;
  ref.maxpool2d_backward(g, arg_want.data(), gy.data(), gx_want.data());
  std::vector<float> gx_avg_want = gx_start;
  ref.avgpool2d_backward(g, gy.data(), gx_avg_want.data());
  for (const KernelTable* t : simd_tables()) {
    SCOPED_TRACE(t->isa);
    std::vector<float> max_got(outputs + kTail, kSentinel), avg_got(outputs + kTail, kSentinel);
    std::vector<int32_t> arg_got(outputs + kTail, -7);
    t->maxpool2d_forward(g, x.data(), max_got.data(), arg_got.data());
    t->avgpool2d_forward(g, x.data(), avg_got.data());
    for (size_t k = 0; k < outputs; ++k) {
      ASSERT_TRUE(same_bits(max_got[k], max_want[k]))
          << "max y[" << k << "] " << max_got[k] << " vs " << max_want[k];
      ASSERT_EQ(arg_got[k], arg_want[k]) << "argmax[" << k << "]";
      ASSERT_TRUE(same_bits(avg_got[k], avg_want[k]) ||
                  (std::isnan(avg_got[k]) && std::isnan(avg_want[k])))
          << "avg y[" << k << "] " << avg_got[k] << " vs " << avg_want[k];
    }
    for (size_t k = outputs; k < outputs + kTail; ++k) {
      ASSERT_EQ(max_got[k], kSentinel) << "write past y";
      ASSERT_EQ(avg_got[k], kSentinel) << "write past y";
      ASSERT_EQ(arg_got[k], -7) << "write past argmax";
    }
    std::vector<float> gx_got = gx_start;
    gx_got.insert(gx_got.end(), kTail, kSentinel);
    t->maxpool2d_backward(g, arg_want.data(), gy.data(), gx_got.data());
    for (size_t i = 0; i < inputs; ++i)
      ASSERT_TRUE(same_or_nan(gx_got[i], gx_want[i]))
          << "backward gx[" << i << "] " << gx_got[i] << " vs " << gx_want[i];
    for (size_t i = inputs; i < inputs + kTail; ++i)
      ASSERT_EQ(gx_got[i], kSentinel) << "write past gx";
    std::vector<float> gx_avg = gx_start;
    gx_avg.insert(gx_avg.end(), kTail, kSentinel);
    t->avgpool2d_backward(g, gy.data(), gx_avg.data());
    for (size_t i = 0; i < inputs; ++i)
      ASSERT_TRUE(same_or_nan(gx_avg[i], gx_avg_want[i]))
          << "avg backward gx[" << i << "] " << gx_avg[i] << " vs " << gx_avg_want[i];
    for (size_t i = inputs; i < inputs + kTail; ++i)
      ASSERT_EQ(gx_avg[i], kSentinel) << "write past gx";
  }
}

TEST(PoolVariants, MatchReferenceBitForBit) {
  const Case cases[] = {
      {32, 16, 8, 8, 2, 2, 2, 2},  // digits-cnn's pool at batch 32 (the pair path)
      {2, 3, 9, 9, 3, 3, 1, 1},    // stride 1 (loads), 7 outputs a row
      {1, 2, 20, 37, 3, 3, 1, 1},  // 35 outputs a row: two 16-vectors and a tail
      {1, 2, 11, 40, 3, 2, 3, 2},  // mixed strides, 20 outputs a row
      {2, 1, 5, 16, 1, 1, 1, 1},   // 1×1 window, exactly one 16-vector
      {1, 3, 6, 6, 6, 6, 1, 1},    // the window covers the whole input
      {3, 4, 1, 50, 1, 3, 1, 1},   // maxpool1d / avgpool1d, kernel 3 stride 1
      {3, 4, 1, 51, 1, 2, 1, 2},   // 1-D kernel 2 stride 2
      {1, 1, 1, 8, 1, 8, 1, 8},    // one output
      // Rows of < W/2 outputs (≤ W/2 at sw > 1): R = ⌊W/ow⌋ rows per vector, all gathered.
      {1, 2, 7, 7, 2, 2, 1, 1},    // 6 outputs a row: 2 rows (12 lanes) per AVX-512 vector
      {1, 3, 9, 5, 3, 2, 2, 1},    // 4×4 outputs at stride (2, 1): narrow with sw = 1
      {2, 2, 11, 7, 2, 3, 3, 2},   // 4×3 outputs: 5 rows per AVX-512 vector, a partial run
      {1, 1, 13, 4, 3, 1, 1, 1},   // 11×4 outputs: AVX-512 runs of 4 rows, a tail of 3
      {1, 2, 9, 9, 2, 2, 2, 2},    // 4×4 outputs, an unused last input row and column
      {1, 2, 11, 17, 2, 3, 2, 2},  // 5×8 outputs at stride 2: 2 rows per AVX-512 vector, a tail
      // Window runs (taps permuted from the 4 AVX-512 / 2 AVX2 vectors at the run's start).
      {2, 3, 10, 6, 2, 2, 2, 2},  // 5×3 outputs: one AVX-512 run of 5 rows from 60 floats
      {1, 2, 14, 8, 2, 2, 2, 2},  // 7×4 outputs: runs of 4 and 3 rows, the last past the plane
      {2, 3, 1, 70, 1, 3, 1, 2},  // 1-D, 34 outputs: AVX-512 runs of 16 from 33 floats
      // Narrow runs of windows other than 2×2 at stride 2 (window permutes or gathers).
      {2, 3, 10, 6, 3, 2, 2, 2},   // 4×3 outputs, 3×2 windows
      {1, 2, 14, 8, 2, 3, 2, 2},   // 7×3 outputs, 2×3 windows: runs of 5 and 2 rows (gathers)
      {32, 16, 8, 8, 3, 3, 2, 2},  // 3×3 windows at stride 2 over digits-sized planes
      // 2×2 windows at stride 2 (x86/pool_pairs.h). Flat layout (w even, ow ≤ W):
      {50, 32, 8, 8, 2, 2, 2, 2},  // digits-cnn's pool at IG's batch: 4 (AVX2: 2) rows a run
      {2, 3, 10, 10, 2, 2, 2, 2},  // ow = 5: runs of 3 (AVX2: 1) rows, partial last runs
      {1, 2, 9, 12, 2, 2, 2, 2},   // h odd (the last input row unused), ow = 6
      {2, 2, 4, 2, 2, 2, 2, 2},    // ow = 1: W rows a run
      {1, 2, 6, 32, 2, 2, 2, 2},   // ow = 16 = AVX-512 W (AVX2: row layout, ow > 8)
      {1, 2, 4, 24, 2, 2, 2, 2},   // ow = 12: one row a run (AVX2: row layout)
      // Row layout (w odd or ow > W):
      {1, 3, 7, 9, 2, 2, 2, 2},   // w odd, ow = 4: 4 of W lanes, partial runs
      {1, 2, 6, 23, 2, 2, 2, 2},  // w odd, ow = 11, the last column unused
      {1, 2, 5, 75, 2, 2, 2, 2},  // ow = 37: two whole vectors and a tail, w odd
      {2, 1, 4, 68, 2, 2, 2, 2},  // ow = 34, w even
  };
  for (const Case& c : cases) check(c);
}

float float_of(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Every assignment of 8 values to the 4 taps of a 2×2 window (8^4 = 4096 windows): two NaNs with
// different payloads and signs (the first NaN must win, bits included), a tie of 1s, +0 and −0
// (equal: the first wins), −1 and +inf. Windows are laid out as 1×1 outputs of 2×2 planes (the
// pair path's general run loop) and as 4×4 outputs of 8×8 planes (its fixed-step loop); the
// forward's values and argmax and the backward's gx must match the reference exactly.
TEST(PoolVariants, PairWindowsEveryTapPattern) {
  const float specials[8] = {float_of(0x7fc00001u),
                             float_of(0xffc00002u),
                             1.0f,
                             1.0f,
                             0.0f,
                             -0.0f,
                             -1.0f,
                             std::numeric_limits<float>::infinity()};
  constexpr int kWindows = 8 * 8 * 8 * 8;
  for (const int side : {2, 8}) {
    const int per_plane = (side / 2) * (side / 2);
    const Pool2dGeometry g{1, kWindows / per_plane, side, side, 2, 2, 2, 2, side / 2, side / 2};
    SCOPED_TRACE(testing::Message() << "planes of " << side << "x" << side);
    std::vector<float> x(size_t(kWindows) * 4);
    for (int k = 0; k < kWindows; ++k) {
      const int plane = k / per_plane, i = (k % per_plane) / (side / 2), j = k % (side / 2);
      const size_t a = size_t(plane) * side * side + size_t(2 * i) * side + size_t(2 * j);
      const size_t taps[4] = {a, a + 1, a + size_t(side), a + size_t(side) + 1};
      for (int t = 0, code = k; t < 4; ++t, code /= 8) x[taps[t]] = specials[code % 8];
    }
    std::vector<float> y_want(kWindows), gy(kWindows);
    std::vector<int32_t> arg_want(kWindows);
    for (int k = 0; k < kWindows; ++k) gy[size_t(k)] = 0.25f * float(k % 7 - 3);  // includes 0
    reference_kernels().maxpool2d_forward(g, x.data(), y_want.data(), arg_want.data());
    const std::vector<float> gx_start = gradient_start(x.size(), 3);
    std::vector<float> gx_want = gx_start;
    reference_kernels().maxpool2d_backward(g, arg_want.data(), gy.data(), gx_want.data());
    for (const KernelTable* t : simd_tables()) {
      SCOPED_TRACE(t->isa);
      std::vector<float> y(kWindows);
      std::vector<int32_t> arg(kWindows);
      t->maxpool2d_forward(g, x.data(), y.data(), arg.data());
      std::vector<float> gx = gx_start;
      t->maxpool2d_backward(g, arg_want.data(), gy.data(), gx.data());
      for (int k = 0; k < kWindows; ++k) {
        ASSERT_TRUE(same_bits(y[size_t(k)], y_want[size_t(k)])) << "window " << k;
        ASSERT_EQ(arg[size_t(k)], arg_want[size_t(k)]) << "window " << k;
      }
      for (size_t i = 0; i < gx.size(); ++i)
        ASSERT_TRUE(same_or_nan(gx[i], gx_want[i])) << "gx[" << i << "]";
    }
  }
}

}  // namespace
}  // namespace salient
