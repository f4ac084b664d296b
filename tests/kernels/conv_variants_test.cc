// Every convolution variant (the conv slots of kernels_for(isa) for each SIMD ISA this CPU runs)
// against the scalar reference (ref/conv2d_ref.cc): forward, backward data and backward weights on
// odd geometries (1×1 kernels with and without stride, stride 2 and 3, padding 0/1/2, non-square
// images and kernels, batch 1 and > 1, one and many channels, images smaller than the kernel where
// only the padding makes room, conv1d as H = 1, products large enough to split the im2col
// workspace into column and depth blocks, batches that share one SGEMM, the AVX-512 direct
// forward's row tiles and channel tiles with their short ends); a sentinel after every
// output (a write past the end shows) and NaN in the forward output (it must be overwritten, not
// read); bias and gradients that are null; bit-identical results for 1, 2, 3 and 5 threads.
//
// Tolerance (as for SGEMM, sgemm_variants_test.cc): every output element is a sum of T products
// (forward: T = c_in·kh·kw taps plus the bias; backward data: at most c_out·kh·kw; backward weights:
// n·oh·ow) added to a starting value s0, and any summation order is within γ_T·Σ|terms| of the exact
// sum, so
//     |v − v_ref| ≤ (T + 2)·eps·(Σ|terms| + |s0|)
// where Σ|terms| is the reference kernel run on the absolute values of the operands.
//
// A 3×3 convolution with stride 1, padding 1 and even sides may run as Winograd F(2×2, 3×3)
// (AVX-512, docs/kernels.md "Winograd kernel"), whose transforms add and subtract inputs before the
// products, so the direct sum's bound does not cover it. Its own bound (Higham's γ_n on the
// computation with every operand and transform entry replaced by its absolute value):
//     |y − y_ref| ≤ (C + 14)·eps·(|Aᵀ| (Σ_c |G||g_c||Gᵀ| ⊙ |Bᵀ||d_c||B|) |A| + |s0|)
// for C input channels: rounding depth 4 in U = G g Gᵀ, 2 in V = Bᵀ d B, 1 in each product, C in
// the channel sum, 4 in Aᵀ M A and 1 for s0 (C + 12), plus the file's 2. winograd_bound computes
// the bracket in double from the operands (backward data: on the transposed convolution). For
// those geometries an element passes within the larger of the two bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "salient/isa.h"
#include "salient/kernels.h"
#include "salient/random.h"
#include "support/simd_tables.h"
#include "salient/threads.h"

namespace salient {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kSentinel = -777.0f;
constexpr int kTail = 5;  // sentinel floats after every output

using testing_kernels::simd_tables;

struct Case {
  int n, c_in, h, w, c_out, kh, kw, sh, sw, ph, pw;
};

Conv2dGeometry geometry(const Case& c) {
  Conv2dGeometry g{c.n, c.c_in, c.h, c.w, c.c_out, c.kh, c.kw, c.sh, c.sw, c.ph, c.pw, 0, 0};
  g.oh = (g.h + 2 * g.ph - g.kh) / g.sh + 1;
  g.ow = (g.w + 2 * g.pw - g.kw) / g.sw + 1;
  return g;
}

const Case kCases[] = {
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0},      // 1×1 everything
    {2, 5, 7, 6, 3, 1, 1, 1, 1, 0, 0},      // pointwise (no im2col)
    {2, 3, 9, 7, 4, 1, 1, 2, 2, 0, 0},      // 1×1, stride 2
    {1, 3, 6, 5, 2, 1, 1, 1, 1, 1, 0},      // 1×1 with padding
    {1, 1, 5, 5, 1, 3, 3, 1, 1, 1, 1},      // one channel
    {3, 4, 8, 8, 6, 3, 3, 1, 1, 1, 1},      // batch 3, "same" 3×3
    {2, 3, 11, 9, 5, 3, 3, 2, 2, 1, 1},     // stride 2, odd non-square image
    {2, 2, 7, 10, 3, 3, 5, 1, 2, 2, 1},     // non-square kernel, mixed stride and padding
    {2, 3, 10, 10, 4, 4, 4, 3, 3, 2, 2},    // stride 3, padding 2, even kernel
    {1, 2, 3, 4, 2, 2, 2, 2, 2, 0, 0},      // 2×2 stride 2, no padding
    {2, 3, 2, 2, 4, 5, 5, 1, 1, 2, 2},      // the kernel covers the whole padded input
    {1, 2, 1, 1, 3, 3, 3, 1, 1, 1, 1},      // 1×1 image, padding 1
    {2, 3, 1, 20, 4, 1, 5, 1, 1, 0, 2},     // conv1d
    {1, 2, 1, 17, 3, 1, 3, 1, 2, 0, 1},     // conv1d, stride 2
    {1, 16, 8, 8, 32, 3, 3, 1, 1, 1, 1},    // digits-cnn conv2 (one tile vector: the plane kernel)
    {2, 64, 20, 20, 8, 3, 3, 1, 1, 1, 1},   // column blocks without threads, image groups with
    {1, 130, 9, 9, 4, 3, 3, 1, 1, 1, 1},    // depth blocks without threads
    {1, 64, 40, 40, 8, 3, 3, 1, 1, 1, 1},   // column blocks with threads
    {1, 1000, 8, 8, 4, 3, 3, 1, 1, 1, 1},   // depth blocks with threads
    {7, 5, 6, 6, 9, 3, 3, 1, 1, 1, 1},      // several images per SGEMM
    {1, 7, 30, 31, 33, 3, 3, 2, 1, 0, 1},   // many outputs, tile edges
    {3, 3, 24, 24, 8, 3, 3, 1, 1, 1, 1},    // P = 576 >= 512: an SGEMM per image, output in place
    {2, 4, 16, 16, 5, 3, 3, 1, 1, 1, 1},    // 2 images of P = 256: col's stride padded off 1 KiB
    // AVX-512 direct forward, row tiles (stride 1, ow >= 16): 3 vectors of 16 outputs of a row × 8
    // channels (the last block short), the last vector of a row short.
    {2, 3, 16, 16, 8, 3, 3, 1, 1, 1, 1},    // ow = 16: a tile's vectors span rows
    {1, 2, 5, 33, 9, 3, 3, 1, 1, 1, 1},     // ow = 33: 16 + 16 + 1 lanes; 9 channels (8 + 1)
    {2, 4, 7, 20, 17, 5, 5, 1, 1, 2, 2},    // 5×5, padding 2, 17 channels
    {1, 3, 6, 21, 7, 2, 4, 1, 1, 0, 1},     // even non-square kernel, padding only along w
    {1, 1, 3, 18, 1, 3, 3, 1, 1, 0, 0},     // no padding, one channel in and out, one row out
    {1, 2, 1, 40, 3, 1, 3, 1, 1, 0, 1},     // conv1d
    // Its channel tiles (ow = 8 but not "same" width, w != 8; K >= 64): 3 vectors of 16 channels
    // × the 8 outputs of a row.
    {1, 8, 6, 10, 50, 3, 3, 1, 1, 0, 0},    // no padding; 4 vectors: 3 + 1 (2 channels)
    {1, 8, 8, 10, 20, 3, 3, 1, 1, 1, 0},    // padding along h only: its kernel rows skipped
    {1, 6, 8, 12, 17, 5, 5, 1, 1, 2, 0},    // 2 kernel rows in the padding at the top and bottom
    // "Same"-width rows of 8, 11 and 5 (the plane kernel's, below; im2col or channel tiles before).
    {2, 8, 8, 8, 20, 3, 3, 1, 1, 1, 1},     // 16 + 4 channels
    {1, 7, 5, 8, 9, 3, 5, 1, 1, 1, 2},      // non-square kernel, 9 channels
    {1, 32, 1, 8, 5, 1, 3, 1, 1, 0, 1},     // conv1d
    {1, 6, 8, 8, 17, 5, 3, 1, 1, 2, 1},     // 2 kernel rows in the padding at the top and bottom
    {1, 10, 2, 8, 16, 5, 3, 1, 1, 2, 1},    // an image shorter than the kernel
    {2, 4, 8, 8, 20, 3, 3, 1, 1, 1, 1},     // K = 36
    {1, 8, 5, 11, 50, 3, 3, 1, 1, 1, 1},    // rows of 11
    {1, 9, 6, 5, 33, 3, 3, 1, 1, 1, 1},     // rows of 5
    // The AVX-512 plane kernel (stride 1, ow = w: forward below 16 outputs a row, backward data at
    // any width up to 8192 masks a plane): whole planes in vectors of 16 under lane masks.
    {2, 5, 5, 5, 13, 3, 3, 1, 1, 1, 1},     // P = 25: 16 + 9 lanes; 13 channels in blocks 7 + 6
    {1, 3, 12, 12, 20, 3, 3, 1, 1, 1, 1},   // P = 144: 9 vectors in chunks of 3; blocks 7 + 7 + 6
    {2, 4, 3, 7, 9, 3, 3, 1, 1, 0, 1},      // padding only along w: oh = 1
    {1, 2, 6, 9, 5, 5, 5, 1, 1, 2, 2},      // 5×5, padding 2: taps reading only padding skipped
    {1, 3, 4, 6, 4, 3, 3, 1, 1, 2, 1},      // ph = kh − 1: oh = h + 2
    {1, 3, 6, 6, 4, 3, 3, 1, 1, 3, 1},      // ph = kh: forward by the plane kernel, backward col2im
    {2, 3, 1, 12, 4, 1, 5, 1, 1, 0, 2},     // conv1d, "same"
    {3, 1, 8, 8, 16, 3, 3, 1, 1, 1, 1},     // digits-cnn conv1; its backward data has c_out = 1
    {1, 2, 70, 70, 3, 3, 3, 1, 1, 1, 1},    // rows of 70: row tiles; backward data by the plane kernel
    {1, 2, 120, 120, 3, 3, 3, 1, 1, 1, 1},  // 900 vectors × 10 masks > 8192: row tiles and col2im
    // AVX-512 Winograd F(2×2, 3×3) (3×3, stride 1, padding 1, even sides, ≥ 8 channels each way):
    // tile planes of h/2 × w/2 in vectors of 16, blocks of 2 vectors, channel blocks of ≤ 8.
    {3, 8, 8, 8, 8, 3, 3, 1, 1, 1, 1},      // one vector an image: units of 2 images, the last of 1
    {2, 16, 16, 16, 13, 3, 3, 1, 1, 1, 1},  // tw = 8 (whole rows out); 13 channels: blocks 7 + 6
    {2, 8, 6, 10, 9, 3, 3, 1, 1, 1, 1},     // 15 tiles (a partial vector), tw = 5: runs across rows
    {1, 9, 12, 36, 8, 3, 3, 1, 1, 1, 1},    // 108 tiles: 7 vectors in blocks 2 + 2 + 2 + 1; odd C
    {1, 8, 4, 32, 12, 3, 3, 1, 1, 1, 1},    // tw = 16; rows of 32 split a row at a time
    {2, 8, 4, 4, 8, 3, 3, 1, 1, 1, 1},      // 2×2 tiles
    {2, 8, 2, 2, 9, 3, 3, 1, 1, 1, 1},      // one tile an image
    {1, 10, 10, 14, 8, 3, 3, 1, 1, 1, 1},   // rows of 14 split a row at a time, tw = 7
    {2, 8, 8, 8, 7, 3, 3, 1, 1, 1, 1},      // 7 output channels: the plane kernel both ways
    {2, 8, 6, 8, 8, 3, 3, 1, 1, 1, 1},      // tw = 4, a partial vector: runs; split 32 + 16 floats
    {1, 8, 6, 16, 8, 3, 3, 1, 1, 1, 1},     // tw = 8, the second vector partial
    // Tall single images, which split into pieces (ranges of blocks, each splitting only its rows)
    // when the call is threaded (BitIdenticalForAnyThreadCount runs them on 1-5 threads):
    {1, 24, 64, 8, 24, 3, 3, 1, 1, 1, 1},   // tw = 4: rows widened to 4-row pieces of 32 floats
    {1, 24, 40, 16, 24, 3, 3, 1, 1, 1, 1},  // tw = 8: 2-row pieces
    {1, 16, 30, 40, 16, 3, 3, 1, 1, 1, 1},  // tw = 20: a row at a time; pieces start mid tile row
};

std::vector<float> random_vector(size_t n, Rng& rng) {
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}
std::vector<float> absolute(std::vector<float> v) {
  for (float& x : v) x = std::fabs(x);
  return v;
}
std::vector<float> with_tail(std::vector<float> v) {
  v.insert(v.end(), kTail, kSentinel);
  return v;
}

// Whether a Winograd kernel may compute g (and, being its own transposed geometry with the channel
// counts swapped, its backward data): 3×3, stride 1, padding 1, even sides, ≥ 8 channels each way.
bool winograd_geometry(const Conv2dGeometry& g) {
  return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.ph == 1 && g.pw == 1 && g.h % 2 == 0 &&
         g.w % 2 == 0 && g.c_in >= 8 && g.c_out >= 8;
}

// The file header's Winograd bracket |Aᵀ| (Σ_c |G||g_c||Gᵀ| ⊙ |Bᵀ||d_c||B|) |A| for every output of
// the forward convolution g of x with w ([c_out][c_in][3][3]), in double.
std::vector<double> winograd_bound(const Conv2dGeometry& g, const std::vector<float>& x,
                                   const std::vector<float>& w) {
  const double aG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0, 0, 1}};
  const double aB[4][4] = {{1, 0, 1, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}, {0, 1, 0, 1}};  // |Bᵀ|
  const double aA[2][4] = {{1, 1, 1, 0}, {0, 1, 1, 1}};                              // |Aᵀ|
  std::vector<double> bound(size_t(g.n) * g.c_out * g.h * g.w, 0.0);
  for (int n = 0; n < g.n; ++n)
    for (int o = 0; o < g.c_out; ++o)
      for (int ti = 0; ti < g.h / 2; ++ti)
        for (int tj = 0; tj < g.w / 2; ++tj) {
          double m[4][4] = {};
          for (int c = 0; c < g.c_in; ++c) {
            double u[4][4] = {}, v[4][4] = {};
            for (int i = 0; i < 4; ++i)
              for (int j = 0; j < 4; ++j)
                for (int p = 0; p < 3; ++p)
                  for (int q = 0; q < 3; ++q)
                    u[i][j] += aG[i][p] * std::fabs(w[((size_t(o) * g.c_in + c) * 3 + p) * 3 + q]) * aG[j][q];
            for (int i = 0; i < 4; ++i)
              for (int j = 0; j < 4; ++j)
                for (int p = 0; p < 4; ++p)
                  for (int q = 0; q < 4; ++q) {
                    const int r = 2 * ti - 1 + p, col = 2 * tj - 1 + q;
                    if (r < 0 || r >= g.h || col < 0 || col >= g.w) continue;
                    v[i][j] += aB[i][p] * std::fabs(x[((size_t(n) * g.c_in + c) * g.h + r) * g.w + col]) * aB[j][q];
                  }
            for (int i = 0; i < 4; ++i)
              for (int j = 0; j < 4; ++j) m[i][j] += u[i][j] * v[i][j];
          }
          for (int a = 0; a < 2; ++a)
            for (int b = 0; b < 2; ++b) {
              double y = 0.0;
              for (int i = 0; i < 4; ++i)
                for (int j = 0; j < 4; ++j) y += aA[a][i] * m[i][j] * aA[b][j];
              bound[((size_t(n) * g.c_out + o) * g.h + 2 * ti + a) * g.w + 2 * tj + b] = y;
            }
        }
  return bound;
}

// The bracket for the backward data of g: the forward bound of its transposed convolution (gy in,
// W'[c, o, u, v] = W[o, c, 2−u, 2−v]).
std::vector<double> winograd_backward_bound(const Conv2dGeometry& g, const std::vector<float>& gy,
                                            const std::vector<float>& w) {
  const Conv2dGeometry t{g.n, g.c_out, g.oh, g.ow, g.c_in, 3, 3, 1, 1, 1, 1, g.h, g.w};
  std::vector<float> flipped(w.size());
  for (int o = 0; o < g.c_out; ++o)
    for (int c = 0; c < g.c_in; ++c)
      for (int k = 0; k < 9; ++k)
        flipped[(size_t(c) * g.c_out + o) * 9 + k] = w[(size_t(o) * g.c_in + c) * 9 + 8 - k];
  return winograd_bound(t, gy, flipped);
}

// |got − want| ≤ (terms + 2)·eps·(abs_sum + |start|) for every element, or, where `winograd` has
// the element's bracket, the larger of that and (channels + 14)·eps·(bracket + |start|); the tail
// holds sentinels.
void expect_close(const std::vector<float>& got, const std::vector<float>& want,
                  const std::vector<float>& abs_sum, const std::vector<float>* start, double terms,
                  const char* what, const KernelTable& k, const Case& c,
                  const std::vector<double>& winograd = {}, double channels = 0) {
  const size_t n = want.size();
  ASSERT_EQ(got.size(), n + kTail);
  int bad = 0;
  for (size_t i = 0; i < n && bad < 5; ++i) {
    const double s0 = start ? std::fabs((*start)[i]) : 0.0;
    double tol = (terms + 2) * FLT_EPSILON * (abs_sum[i] + s0);
    if (!winograd.empty()) tol = std::max(tol, (channels + 14) * FLT_EPSILON * (winograd[i] + s0));
    if (!(std::fabs(double(got[i]) - want[i]) <= tol)) {
      ADD_FAILURE() << k.isa << " " << what << " n" << c.n << " c" << c.c_in << " " << c.h << "x"
                    << c.w << " o" << c.c_out << " k" << c.kh << "x" << c.kw << " s" << c.sh << c.sw
                    << " p" << c.ph << c.pw << " [" << i << "] " << got[i] << " vs " << want[i]
                    << " tol " << tol;
      ++bad;
    }
  }
  for (int t = 0; t < kTail; ++t) EXPECT_EQ(got[n + t], kSentinel) << k.isa << " " << what;
}

struct Data {
  Conv2dGeometry g;
  std::vector<float> x, w, b, gy, gx0, gw0, gb0;
  explicit Data(const Case& c, uint64_t seed) : g(geometry(c)) {
    Rng rng(seed);
    x = random_vector(size_t(g.n) * g.c_in * g.h * g.w, rng);
    w = random_vector(size_t(g.c_out) * g.c_in * g.kh * g.kw, rng);
    b = random_vector(size_t(g.c_out), rng);
    gy = random_vector(size_t(g.n) * g.c_out * g.oh * g.ow, rng);
    gx0 = random_vector(x.size(), rng);
    gw0 = random_vector(w.size(), rng);
    gb0 = random_vector(b.size(), rng);
  }
};

TEST(ConvVariants, MatchReference) {
  const KernelTable& ref = reference_kernels();
  for (const KernelTable* k : simd_tables()) {
    uint64_t seed = 1;
    for (const Case& c : kCases) {
      const Data d(c, seed++);
      const Conv2dGeometry& g = d.g;
      for (bool bias : {true, false}) {
        const float* b = bias ? d.b.data() : nullptr;
        std::vector<float> want(d.gy.size()), abs_sum(d.gy.size());
        ref.conv2d_forward(g, d.x.data(), d.w.data(), b, want.data());
        const auto ax = absolute(d.x), aw = absolute(d.w), ab = absolute(d.b);
        ref.conv2d_forward(g, ax.data(), aw.data(), bias ? ab.data() : nullptr, abs_sum.data());
        std::vector<float> y = with_tail(std::vector<float>(want.size(), kNaN));
        k->conv2d_forward(g, d.x.data(), d.w.data(), b, y.data());
        std::vector<double> wino = winograd_geometry(g) ? winograd_bound(g, d.x, d.w) : std::vector<double>{};
        if (bias && !wino.empty())
          for (size_t i = 0; i < wino.size(); ++i) wino[i] += std::fabs(d.b[i / (size_t(g.h) * g.w) % g.c_out]);
        expect_close(y, want, abs_sum, nullptr, double(g.c_in) * g.kh * g.kw + 1, "forward", *k,
                     c, wino, g.c_in);
      }
      {
        std::vector<float> want = d.gx0, abs_sum(d.gx0.size(), 0.0f);
        ref.conv2d_backward_data(g, d.gy.data(), d.w.data(), want.data());
        const auto agy = absolute(d.gy), aw = absolute(d.w);
        ref.conv2d_backward_data(g, agy.data(), aw.data(), abs_sum.data());
        std::vector<float> gx = with_tail(d.gx0);
        k->conv2d_backward_data(g, d.gy.data(), d.w.data(), gx.data());
        const std::vector<double> wino =
            winograd_geometry(g) ? winograd_backward_bound(g, d.gy, d.w) : std::vector<double>{};
        expect_close(gx, want, abs_sum, &d.gx0, double(g.c_out) * g.kh * g.kw, "backward data", *k,
                     c, wino, g.c_out);
      }
      for (int which = 0; which < 3; ++which) {  // both, weights only, bias only
        const bool has_w = which != 2, has_b = which != 1;
        std::vector<float> want_w = d.gw0, want_b = d.gb0;
        std::vector<float> abs_w(d.gw0.size(), 0.0f), abs_b(d.gb0.size(), 0.0f);
        ref.conv2d_backward_weights(g, d.x.data(), d.gy.data(), want_w.data(), want_b.data());
        const auto ax = absolute(d.x), agy = absolute(d.gy);
        ref.conv2d_backward_weights(g, ax.data(), agy.data(), abs_w.data(), abs_b.data());
        std::vector<float> gw = with_tail(d.gw0), gb = with_tail(d.gb0);
        k->conv2d_backward_weights(g, d.x.data(), d.gy.data(), has_w ? gw.data() : nullptr,
                                   has_b ? gb.data() : nullptr);
        const double terms = double(g.n) * g.oh * g.ow;
        if (has_w) expect_close(gw, want_w, abs_w, &d.gw0, terms, "backward weights", *k, c);
        else EXPECT_EQ(gw, with_tail(d.gw0)) << k->isa << " wrote gw when it was null";
        if (has_b) expect_close(gb, want_b, abs_b, &d.gb0, terms, "backward bias", *k, c);
        else EXPECT_EQ(gb, with_tail(d.gb0)) << k->isa << " wrote gb when it was null";
      }
    }
  }
}

TEST(ConvVariants, BitIdenticalForAnyThreadCount) {
  const int saved = thread_count();
  const Case cases[] = {{16, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1},
                        {5, 32, 16, 16, 64, 3, 3, 1, 1, 1, 1},
                        {1, 64, 8, 8, 128, 3, 3, 1, 1, 1, 1},
                        {9, 16, 8, 8, 32, 3, 3, 1, 1, 1, 1},  // Winograd units of 2 images
                        // One image in pieces on 2 or 3 threads, whole on 1 (and on 5:
                        // under 2 MFLOP a thread): the same blocks either way.
                        {1, 16, 40, 40, 16, 3, 3, 1, 1, 1, 1},
                        {1, 24, 64, 8, 24, 3, 3, 1, 1, 1, 1},
                        {1, 24, 40, 16, 24, 3, 3, 1, 1, 1, 1},
                        {1, 16, 30, 40, 16, 3, 3, 1, 1, 1, 1},
                        // One image (>= 2 MFLOP a thread): row tiles' blocks, channel tiles' groups
                        {1, 32, 20, 17, 40, 3, 3, 1, 1, 1, 1},
                        {1, 64, 12, 8, 100, 3, 3, 1, 1, 1, 1},
                        {3, 48, 12, 12, 40, 1, 1, 1, 1, 0, 0}};
  for (const KernelTable* k : simd_tables()) {
    for (const Case& c : cases) {
      const Data d(c, 99);
      std::vector<float> y1, gx1, gw1, gb1;
      for (int threads : {1, 2, 3, 5}) {
        set_thread_count(threads);
        std::vector<float> y(d.gy.size()), gx = d.gx0, gw = d.gw0, gb = d.gb0;
        k->conv2d_forward(d.g, d.x.data(), d.w.data(), d.b.data(), y.data());
        k->conv2d_backward_data(d.g, d.gy.data(), d.w.data(), gx.data());
        k->conv2d_backward_weights(d.g, d.x.data(), d.gy.data(), gw.data(), gb.data());
        if (threads == 1) {
          y1 = y, gx1 = gx, gw1 = gw, gb1 = gb;
          continue;
        }
        EXPECT_EQ(y, y1) << k->isa << " forward, " << threads << " threads";
        EXPECT_EQ(gx, gx1) << k->isa << " backward data, " << threads << " threads";
        EXPECT_EQ(gw, gw1) << k->isa << " backward weights, " << threads << " threads";
        EXPECT_EQ(gb, gb1) << k->isa << " backward bias, " << threads << " threads";
      }
    }
  }
  set_thread_count(saved);
}

}  // namespace
}  // namespace salient
