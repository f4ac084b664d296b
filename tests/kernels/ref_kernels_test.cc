// Known-answer tests of the scalar reference kernels (reference_kernels()), the oracle every faster
// kernel table will be compared with. Where the data are small integers or dyadic fractions the
// float32 results are exact, so those checks use exact equality.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "salient/kernels.h"

namespace salient {
namespace {

const KernelTable& K() { return reference_kernels(); }

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// ---- table -------------------------------------------------------------------------------------

TEST(RefKernelTable, EngineTableHasAnIsaName) {
  ASSERT_NE(kernels().isa, nullptr);
  EXPECT_GT(std::strlen(kernels().isa), 0u);
  ASSERT_NE(reference_kernels().isa, nullptr);
  EXPECT_STREQ(reference_kernels().isa, "scalar");
}

TEST(RefKernelTable, EveryReferenceSlotIsFilled) {
  const KernelTable& k = K();
  const void* slots[] = {
      reinterpret_cast<const void*>(k.sgemm),
      reinterpret_cast<const void*>(k.add_row_vector),
      reinterpret_cast<const void*>(k.sum_rows_accumulate),
      reinterpret_cast<const void*>(k.conv2d_forward),
      reinterpret_cast<const void*>(k.conv2d_backward_data),
      reinterpret_cast<const void*>(k.conv2d_backward_weights),
      reinterpret_cast<const void*>(k.maxpool2d_forward),
      reinterpret_cast<const void*>(k.avgpool2d_forward),
      reinterpret_cast<const void*>(k.avgpool2d_backward),
      reinterpret_cast<const void*>(k.maxpool2d_backward),
      reinterpret_cast<const void*>(k.relu),
      reinterpret_cast<const void*>(k.tanh),
      reinterpret_cast<const void*>(k.sigmoid),
      reinterpret_cast<const void*>(k.relu_backward),
      reinterpret_cast<const void*>(k.tanh_backward),
      reinterpret_cast<const void*>(k.sigmoid_backward),
      reinterpret_cast<const void*>(k.softmax_rows),
      reinterpret_cast<const void*>(k.log_softmax_rows),
      reinterpret_cast<const void*>(k.softmax_rows_backward),
      reinterpret_cast<const void*>(k.log_softmax_rows_backward),
      reinterpret_cast<const void*>(k.add),
      reinterpret_cast<const void*>(k.mul),
      reinterpret_cast<const void*>(k.accumulate),
      reinterpret_cast<const void*>(k.mul_accumulate),
  };
  for (size_t i = 0; i < sizeof slots / sizeof slots[0]; ++i) EXPECT_NE(slots[i], nullptr) << i;
}

// ---- sgemm -------------------------------------------------------------------------------------

// A row-major matrix stored with a row stride ld > cols; the padding holds `pad` so that a kernel
// reading outside the logical matrix (NaN) or writing there (sentinel) is caught.
struct Strided {
  int rows, cols, ld;
  std::vector<float> v;
  Strided(int r, int c, int extra, float pad)
      : rows(r), cols(c), ld(c + extra), v(static_cast<size_t>(r * (c + extra)), pad) {}
  float& at(int i, int j) { return v[static_cast<size_t>(i * ld + j)]; }
  float at(int i, int j) const { return v[static_cast<size_t>(i * ld + j)]; }
};

// Small integers: every product and partial sum is exact in float32.
float small_int(int i, int j, int salt) { return static_cast<float>((i * 7 + j * 3 + salt) % 9 - 4); }

// C = alpha·op(A)·op(B) + beta·C on m×k by k×n, with padded strides, against exact integer math.
// With nan_c, C starts as NaN garbage (only meaningful with beta = 0).
void check_sgemm(Trans ta, Trans tb, float alpha, float beta, bool nan_c = false) {
  const int m = 3, n = 4, k = 5;
  Strided a = ta == Trans::kNo ? Strided(m, k, 2, kNaN) : Strided(k, m, 3, kNaN);
  Strided b = tb == Trans::kNo ? Strided(k, n, 1, kNaN) : Strided(n, k, 4, kNaN);
  Strided c(m, n, 3, -777.0f);
  for (int i = 0; i < a.rows; ++i)
    for (int j = 0; j < a.cols; ++j) a.at(i, j) = small_int(i, j, 1);
  for (int i = 0; i < b.rows; ++i)
    for (int j = 0; j < b.cols; ++j) b.at(i, j) = small_int(i, j, 5);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) c.at(i, j) = nan_c ? kNaN : small_int(i, j, 2);
  const Strided c0 = c;

  K().sgemm(ta, tb, m, n, k, alpha, a.v.data(), a.ld, b.v.data(), b.ld, beta, c.v.data(), c.ld);

  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int p = 0; p < k; ++p) {
        const double aip = ta == Trans::kNo ? a.at(i, p) : a.at(p, i);
        const double bpj = tb == Trans::kNo ? b.at(p, j) : b.at(j, p);
        sum += aip * bpj;
      }
      const double want = beta == 0.0f ? alpha * sum : alpha * sum + beta * c0.at(i, j);
      EXPECT_EQ(c.at(i, j), static_cast<float>(want)) << "C[" << i << "][" << j << "]";
    }
  for (int i = 0; i < m; ++i)
    for (int j = n; j < c.ld; ++j) EXPECT_EQ(c.at(i, j), -777.0f) << "padding of C written";
}

TEST(RefKernelSgemm, NoTransNoTrans) { check_sgemm(Trans::kNo, Trans::kNo, 2.0f, 0.5f); }
TEST(RefKernelSgemm, TransANoTransB) { check_sgemm(Trans::kYes, Trans::kNo, 2.0f, 0.5f); }
TEST(RefKernelSgemm, NoTransATransB) { check_sgemm(Trans::kNo, Trans::kYes, 2.0f, 0.5f); }
TEST(RefKernelSgemm, TransATransB) { check_sgemm(Trans::kYes, Trans::kYes, -1.0f, 0.5f); }

// beta = 0 must overwrite C, even when C holds NaN garbage (BLAS semantics: 0·NaN is not computed).
TEST(RefKernelSgemm, BetaZeroOverwritesNaNGarbage) {
  for (Trans ta : {Trans::kNo, Trans::kYes})
    for (Trans tb : {Trans::kNo, Trans::kYes}) check_sgemm(ta, tb, 1.0f, 0.0f, /*nan_c=*/true);
}

TEST(RefKernelSgemm, BetaOneAccumulates) {
  for (Trans ta : {Trans::kNo, Trans::kYes})
    for (Trans tb : {Trans::kNo, Trans::kYes}) check_sgemm(ta, tb, 1.0f, 1.0f);
}

// A hand-sized example: [[1, 2], [3, 4]] · [[5, 6], [7, 8]] = [[19, 22], [43, 50]], added to C.
TEST(RefKernelSgemm, HandExampleAccumulatesIntoC) {
  const float a[] = {1, 2, 3, 4};
  const float b[] = {5, 6, 7, 8};
  float c[] = {1, 1, 1, 1};
  K().sgemm(Trans::kNo, Trans::kNo, 2, 2, 2, 1.0f, a, 2, b, 2, 1.0f, c, 2);
  const float want[] = {20, 23, 44, 51};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c[i], want[i]) << i;
}

TEST(RefKernelLinearHelpers, AddRowVectorAndSumRows) {
  float y[] = {1, 2, 3, 4, 5, 6};  // 2 rows × 3 cols
  const float b[] = {10, 20, 30};
  K().add_row_vector(2, 3, b, y);
  const float want_y[] = {11, 22, 33, 14, 25, 36};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], want_y[i]) << i;

  float gb[] = {1, 1, 1};
  const float gy[] = {1, 2, 3, 4, 5, 6};
  K().sum_rows_accumulate(2, 3, gy, gb);  // accumulates: 1 + column sums
  const float want_gb[] = {6, 8, 10};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(gb[i], want_gb[i]) << i;
}

// ---- conv2d ------------------------------------------------------------------------------------

Conv2dGeometry geometry(int n, int c_in, int h, int w, int c_out, int kh, int kw, int sh, int sw,
                        int ph, int pw) {
  Conv2dGeometry g{n, c_in, h, w, c_out, kh, kw, sh, sw, ph, pw, 0, 0};
  g.oh = (h + 2 * ph - kh) / sh + 1;
  g.ow = (w + 2 * pw - kw) / sw + 1;
  return g;
}

const float kImage3x3[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

// w = [[1, 0], [0, −1]]: y[i,j] = x[i,j] − x[i+1,j+1] + b = −4 + 0.5 everywhere.
TEST(RefKernelConv2d, HandComputedForwardAndBackward) {
  const Conv2dGeometry g = geometry(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0);
  ASSERT_EQ(g.oh, 2);
  ASSERT_EQ(g.ow, 2);
  const float w[] = {1, 0, 0, -1};
  const float b[] = {0.5f};
  float y[4];
  std::fill(y, y + 4, kNaN);  // forward overwrites
  K().conv2d_forward(g, kImage3x3, w, b, y);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], -3.5f) << i;
  K().conv2d_forward(g, kImage3x3, w, nullptr, y);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], -4.0f) << i;

  // gy = 1: gx = full correlation of w, accumulated onto 10.
  const float gy[] = {1, 1, 1, 1};
  float gx[9];
  std::fill(gx, gx + 9, 10.0f);
  K().conv2d_backward_data(g, gy, w, gx);
  const float want_gx[] = {11, 11, 10, 11, 10, 9, 10, 9, 9};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(gx[i], want_gx[i]) << i;

  // gw[u,v] = Σ_{i,j} x[i+u, j+v]; gb = Σ gy; both accumulate onto 1.
  float gw[] = {1, 1, 1, 1};
  float gb[] = {1};
  K().conv2d_backward_weights(g, kImage3x3, gy, gw, gb);
  const float want_gw[] = {13, 17, 25, 29};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(gw[i], want_gw[i]) << i;
  EXPECT_EQ(gb[0], 5.0f);

  // Either output of backward_weights may be null.
  float gw_only[] = {0, 0, 0, 0};
  K().conv2d_backward_weights(g, kImage3x3, gy, gw_only, nullptr);
  EXPECT_EQ(gw_only[3], 28.0f);
  float gb_only[] = {0};
  K().conv2d_backward_weights(g, kImage3x3, gy, nullptr, gb_only);
  EXPECT_EQ(gb_only[0], 4.0f);
}

// Padding 1, stride 2, w = [[1, 2], [3, 4]]: output (i, j) covers rows 2i−1..2i, cols 2j−1..2j.
TEST(RefKernelConv2d, HandComputedPaddedStrided) {
  const Conv2dGeometry g = geometry(1, 1, 3, 3, 1, 2, 2, 2, 2, 1, 1);
  ASSERT_EQ(g.oh, 2);
  ASSERT_EQ(g.ow, 2);
  const float w[] = {1, 2, 3, 4};
  float y[4];
  K().conv2d_forward(g, kImage3x3, w, nullptr, y);
  // (0,0): 4·1; (0,1): 3·2 + 4·3; (1,0): 2·4 + 4·7; (1,1): 1·5 + 2·6 + 3·8 + 4·9.
  const float want_y[] = {4, 18, 36, 77};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], want_y[i]) << i;

  // Every input pixel is hit by exactly one tap here, so gx[r,s] = w[u(r), v(s)]·gy[i(r), j(s)].
  const float gy[] = {1, 2, 3, 4};
  float gx[9] = {};
  K().conv2d_backward_data(g, gy, w, gx);
  const float want_gx[] = {4, 6, 8, 6, 4, 8, 12, 12, 16};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(gx[i], want_gx[i]) << i;

  float gw[4] = {};
  float gb[1] = {};
  K().conv2d_backward_weights(g, kImage3x3, gy, gw, gb);
  const float want_gw[] = {20, 36, 36, 64};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(gw[i], want_gw[i]) << i;
  EXPECT_EQ(gb[0], 10.0f);
}

// 1×1 kernel, 2 input and 2 output channels, batch 2: y[n,o] = Σ_c w[o,c]·x[n,c] + b[o].
TEST(RefKernelConv2d, HandComputedChannelsAndBatch) {
  const Conv2dGeometry g = geometry(2, 2, 1, 2, 2, 1, 1, 1, 1, 0, 0);
  const float x[] = {1, 2, 3, 4, /* sample 1 */ -1, 0, 0, 1};
  const float w[] = {1, 10, 100, 1000};
  const float b[] = {1, -1};
  float y[8];
  K().conv2d_forward(g, x, w, b, y);
  const float want[] = {32, 43, 3099, 4199, 0, 11, -101, 999};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(y[i], want[i]) << i;
}

// ---- pools -------------------------------------------------------------------------------------

Pool2dGeometry pool_geometry(int n, int c, int h, int w, int kh, int kw, int sh, int sw) {
  Pool2dGeometry g{n, c, h, w, kh, kw, sh, sw, 0, 0};
  g.oh = (h - kh) / sh + 1;
  g.ow = (w - kw) / sw + 1;
  return g;
}

TEST(RefKernelMaxPool, ArgmaxPicksTheFirstMaximumOnTies) {
  // 1-D: windows of 3, stride 3: [5, 5, 1] and [2, 7, 7].
  const Pool2dGeometry g1 = pool_geometry(1, 1, 1, 6, 1, 3, 1, 3);
  const float x1[] = {5, 5, 1, 2, 7, 7};
  float y1[2];
  int32_t arg1[2];
  K().maxpool2d_forward(g1, x1, y1, arg1);
  EXPECT_EQ(y1[0], 5.0f);
  EXPECT_EQ(arg1[0], 0);
  EXPECT_EQ(y1[1], 7.0f);
  EXPECT_EQ(arg1[1], 4);

  // 2-D: window [[1, 9], [9, 9]]: the first maximum in row-major order is (0, 1).
  const Pool2dGeometry g2 = pool_geometry(1, 1, 2, 2, 2, 2, 1, 1);
  const float x2[] = {1, 9, 9, 9};
  float y2[1];
  int32_t arg2[1];
  K().maxpool2d_forward(g2, x2, y2, arg2);
  EXPECT_EQ(y2[0], 9.0f);
  EXPECT_EQ(arg2[0], 1);

  // All equal (including −0 vs +0, which compare equal): the first element wins.
  const float x3[] = {0.0f, -0.0f, 0.0f, 0.0f};
  K().maxpool2d_forward(g2, x3, y2, arg2);
  EXPECT_EQ(arg2[0], 0);
}

TEST(RefKernelMaxPool, ArgmaxIsAFlatInputIndexAcrossPlanes) {
  // 2 samples × 2 channels of 2×4, windows 2×2 stride 2: argmax indexes the whole input.
  const Pool2dGeometry g = pool_geometry(2, 2, 2, 4, 2, 2, 2, 2);
  std::vector<float> x(32);
  for (int i = 0; i < 32; ++i) x[static_cast<size_t>(i)] = static_cast<float>((i * 13) % 32);
  std::vector<float> y(8);
  std::vector<int32_t> arg(8);
  K().maxpool2d_forward(g, x.data(), y.data(), arg.data());
  for (int k = 0; k < 8; ++k) {
    const int plane = k / 2, j = k % 2;
    int best = plane * 8 + 2 * j;
    for (int u = 0; u < 2; ++u)
      for (int v = 0; v < 2; ++v) {
        const int idx = plane * 8 + u * 4 + 2 * j + v;
        if (x[static_cast<size_t>(idx)] > x[static_cast<size_t>(best)]) best = idx;
      }
    EXPECT_EQ(arg[static_cast<size_t>(k)], best) << k;
    EXPECT_EQ(y[static_cast<size_t>(k)], x[static_cast<size_t>(best)]) << k;
  }
}

TEST(RefKernelMaxPool, NaNPropagates) {
  // Windows of 3: NaN in the middle, NaN first, NaN last after the maximum.
  const Pool2dGeometry g = pool_geometry(1, 1, 1, 9, 1, 3, 1, 3);
  const float x[] = {1, kNaN, 3, kNaN, 2, 0, 4, 5, kNaN};
  float y[3];
  int32_t arg[3];
  K().maxpool2d_forward(g, x, y, arg);
  for (int k = 0; k < 3; ++k) EXPECT_TRUE(std::isnan(y[k])) << k;
  EXPECT_EQ(arg[0], 1);
  EXPECT_EQ(arg[1], 3);
  EXPECT_EQ(arg[2], 8);
}

TEST(RefKernelMaxPool, BackwardAccumulatesRepeatedIndices) {
  // 1×5 input, windows of 2 at stride 1 (overlapping): argmax 2 is shared by windows 1 and 2.
  const Pool2dGeometry g = pool_geometry(1, 1, 1, 5, 1, 2, 1, 1);
  const int32_t argmax[] = {0, 2, 2, 3};
  const float gy[] = {1, 2, 4, 8};
  float gx[] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  K().maxpool2d_backward(g, argmax, gy, gx);
  const float want[] = {1.5f, 0.5f, 6.5f, 8.5f, 0.5f};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(gx[i], want[i]) << i;
}

TEST(RefKernelAvgPool, HandComputedForwardAndBackward) {
  // 3×4 image 1..12, windows 2×2 with stride (1, 2): overlapping rows.
  const Pool2dGeometry g = pool_geometry(1, 1, 3, 4, 2, 2, 1, 2);
  float x[12];
  for (int i = 0; i < 12; ++i) x[i] = static_cast<float>(i + 1);
  float y[4];
  K().avgpool2d_forward(g, x, y);
  const float want_y[] = {3.5f, 5.5f, 7.5f, 9.5f};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], want_y[i]) << i;

  // gy = [4, 8, 12, 16] / 4 per tap; the middle row is in two windows. Accumulates onto 1.
  const float gy[] = {4, 8, 12, 16};
  float gx[12];
  std::fill(gx, gx + 12, 1.0f);
  K().avgpool2d_backward(g, gy, gx);
  const float want_gx[] = {2, 2, 3, 3, 5, 5, 7, 7, 4, 4, 5, 5};
  for (int i = 0; i < 12; ++i) EXPECT_EQ(gx[i], want_gx[i]) << i;
}

// ---- softmax -----------------------------------------------------------------------------------

TEST(RefKernelSoftmax, RowsSumToOne) {
  const int rows = 5, cols = 10;
  std::vector<float> x(rows * cols), y(rows * cols);
  for (int i = 0; i < rows * cols; ++i) x[static_cast<size_t>(i)] = std::sin(1.7f * i) * 4.0f;
  K().softmax_rows(rows, cols, x.data(), y.data());
  for (int r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (int j = 0; j < cols; ++j) {
      const float v = y[static_cast<size_t>(r * cols + j)];
      EXPECT_GT(v, 0.0f);
      EXPECT_LE(v, 1.0f);
      sum += v;
    }
    // Each y_j carries ~3 roundings (exp, 1/s, product) relative to itself and s carries cols
    // roundings: |Σ y − 1| <= (cols + 3)·u ≈ 8e-7 for u = 6e-8.
    EXPECT_NEAR(sum, 1.0, 1e-6) << "row " << r;
  }
}

TEST(RefKernelSoftmax, StableForLargeInputs) {
  // Without max subtraction e^1000 overflows to inf and the rows become NaN.
  const float x[] = {1000, 1000, 999, 998,  /* */ 1000, 1000, 1000, 1000,
                     -1000, -1000, -1001, -1002, /* */ 1000, -1000, 0, 500};
  float y[16];
  K().softmax_rows(4, 4, x, y);
  for (int i = 0; i < 16; ++i) EXPECT_TRUE(std::isfinite(y[i])) << i;
  const double e1 = std::exp(-1.0), e2 = std::exp(-2.0);
  const double s = 2 + e1 + e2;
  const double want[] = {1 / s, 1 / s, e1 / s, e2 / s, 0.25, 0.25, 0.25, 0.25,
                         1 / s, 1 / s, e1 / s, e2 / s, 1, 0, std::exp(-1000.0), std::exp(-500.0)};
  for (int i = 0; i < 16; ++i) EXPECT_NEAR(y[i], want[i], 1e-6) << i;
  for (int i = 4; i < 8; ++i) EXPECT_EQ(y[i], 0.25f) << "equal logits give exactly 1/n";
}

TEST(RefKernelSoftmax, LogSoftmaxOfLargeMagnitudeRowIsFinite) {
  const float x[] = {1000, -1000, 0, 500, /* */ -1000, -1000, -1000, -1000};
  float y[8];
  K().log_softmax_rows(2, 4, x, y);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(std::isfinite(y[i])) << i;
  // log Σ e^x = 1000 + log(1 + e^−500 + ...) = 1000 in float.
  const float want[] = {0, -2000, -1000, -500, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], want[i], 1e-6f * (1.0f + std::fabs(want[i]))) << i;
  for (int i = 4; i < 8; ++i) EXPECT_NEAR(y[i], -std::log(4.0f), 1e-6f) << i;
}

TEST(RefKernelSoftmax, BackwardFormulas) {
  // softmax: y = [1/2, 1/4, 1/4], gy = [1, 0, −1]: ⟨gy, y⟩ = 1/4, gx += y ⊙ (gy − 1/4), onto 1.
  const float y[] = {0.5f, 0.25f, 0.25f};
  const float gy[] = {1, 0, -1};
  float gx[] = {1, 1, 1};
  K().softmax_rows_backward(1, 3, y, gy, gx);
  const float want[] = {1.375f, 0.9375f, 0.6875f};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(gx[i], want[i]) << i;

  // log-softmax: y = log [1/2, 1/4, 1/4], gy = [1, 2, 3]: gx += gy − e^y·6 = [−2, 0.5, 1.5].
  const float ly[] = {std::log(0.5f), std::log(0.25f), std::log(0.25f)};
  const float lgy[] = {1, 2, 3};
  float lgx[] = {0, 0, 0};
  K().log_softmax_rows_backward(1, 3, ly, lgy, lgx);
  const float lwant[] = {-2.0f, 0.5f, 1.5f};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(lgx[i], lwant[i], 1e-6f) << i;
}

// ---- activations -------------------------------------------------------------------------------

TEST(RefKernelActivation, SigmoidSaturatesWithoutNaNOrInf) {
  const float x[] = {100, -100, 1000, -1000, kInf, -kInf, 0};
  float y[7];
  K().sigmoid(7, x, y);
  for (int i = 0; i < 7; ++i) {
    EXPECT_FALSE(std::isnan(y[i])) << i;
    EXPECT_FALSE(std::isinf(y[i])) << i;
    EXPECT_GE(y[i], 0.0f) << i;
    EXPECT_LE(y[i], 1.0f) << i;
  }
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_NEAR(y[1], 0.0f, 1e-30f);  // e^−100 ≈ 4e−44, a float denormal
  EXPECT_EQ(y[2], 1.0f);
  EXPECT_EQ(y[3], 0.0f);
  EXPECT_EQ(y[4], 1.0f);
  EXPECT_EQ(y[5], 0.0f);
  EXPECT_EQ(y[6], 0.5f);
}

TEST(RefKernelActivation, ForwardValues) {
  const float x[] = {-2.0f, -0.0f, 0.0f, 0.5f, 3.0f, 100.0f, -100.0f, kNaN};
  float y[8];
  K().relu(8, x, y);
  const float want_relu[] = {0, 0, 0, 0.5f, 3, 100, 0};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(y[i], want_relu[i]) << i;
  EXPECT_TRUE(std::isnan(y[7])) << "relu keeps NaN visible";

  K().tanh(7, x, y);
  for (int i = 0; i < 7; ++i) EXPECT_NEAR(y[i], std::tanh(static_cast<double>(x[i])), 1e-7) << i;
  EXPECT_EQ(y[5], 1.0f);
  EXPECT_EQ(y[6], -1.0f);

  K().sigmoid(7, x, y);
  for (int i = 0; i < 7; ++i)
    EXPECT_NEAR(y[i], 1.0 / (1.0 + std::exp(-static_cast<double>(x[i]))), 1e-7) << i;
}

TEST(RefKernelActivation, BackwardFormulas) {
  // relu: gx += gy·[x > 0]; x = 0, −0 and NaN pass nothing.
  const float rx[] = {-1, 0, -0.0f, 2, kNaN};
  const float rgy[] = {1, 2, 3, 4, 5};
  float rgx[] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  K().relu_backward(5, rx, rgy, rgx);
  const float rwant[] = {0.5f, 0.5f, 0.5f, 4.5f, 0.5f};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rgx[i], rwant[i]) << i;

  // tanh: gx += gy·(1 − y²), from the output y; onto 0.25.
  const float ty[] = {0, 0.5f, -0.5f, 1, -1};
  const float tgy[] = {1, 2, 4, 3, -3};
  float tgx[] = {0.25f, 0.25f, 0.25f, 0.25f, 0.25f};
  K().tanh_backward(5, ty, tgy, tgx);
  const float twant[] = {1.25f, 1.75f, 3.25f, 0.25f, 0.25f};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(tgx[i], twant[i]) << i;

  // sigmoid: gx += gy·y(1 − y), from the output y.
  const float sy[] = {0.5f, 0.25f, 1, 0};
  const float sgy[] = {4, 8, 5, 5};
  float sgx[] = {1, 1, 1, 1};
  K().sigmoid_backward(4, sy, sgy, sgx);
  const float swant[] = {2, 2.5f, 1, 1};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(sgx[i], swant[i]) << i;

  // On real outputs the formulas match the analytic derivatives 1 − tanh² and σ(1 − σ).
  const float x[] = {-2.0f, -0.3f, 0.7f, 3.0f};
  float y[4], ones[4] = {1, 1, 1, 1}, g[4];
  K().tanh(4, x, y);
  std::fill(g, g + 4, 0.0f);
  K().tanh_backward(4, y, ones, g);
  for (int i = 0; i < 4; ++i) {
    const double t = std::tanh(static_cast<double>(x[i]));
    EXPECT_NEAR(g[i], 1.0 - t * t, 1e-6) << i;
  }
  K().sigmoid(4, x, y);
  std::fill(g, g + 4, 0.0f);
  K().sigmoid_backward(4, y, ones, g);
  for (int i = 0; i < 4; ++i) {
    const double s = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    EXPECT_NEAR(g[i], s * (1.0 - s), 1e-6) << i;
  }
}

// ---- elementwise -------------------------------------------------------------------------------

TEST(RefKernelElementwise, AddMulAccumulate) {
  const float a[] = {1, -2, 0.5f, 3};
  const float b[] = {4, 3, -2, 0.25f};
  float y[4];
  K().add(4, a, b, y);
  const float want_add[] = {5, 1, -1.5f, 3.25f};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], want_add[i]) << i;
  K().mul(4, a, b, y);
  const float want_mul[] = {4, -6, -1, 0.75f};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], want_mul[i]) << i;

  float acc[] = {1, 1, 1, 1};
  K().accumulate(4, a, acc);
  const float want_acc[] = {2, -1, 1.5f, 4};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(acc[i], want_acc[i]) << i;
  K().mul_accumulate(4, a, b, acc);
  const float want_macc[] = {6, -7, 0.5f, 4.75f};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(acc[i], want_macc[i]) << i;
}

}  // namespace
}  // namespace salient
