// Every activation and GRU gate variant (those slots of kernels_for(isa) for each SIMD ISA this CPU
// runs) against the scalar reference (ref/unary_ref.cc, ref/gru_ref.cc):
// - tanh and sigmoid over every 2^10-th float bit pattern (low bits scrambled so every mantissa
//   range is hit) plus edge cases: at most kMaxUlp ulp from the reference (libm), NaN for NaN, and
//   bit-identical results on ±0, ±inf, ±FLT_MAX and where the reference saturates (0, ±1);
// - relu and the three backward kernels: bit-identical (same operations, same order);
// - tails: n = 0, 1, W − 1, W, W + 1, ... for W = 8 and 16, with a sentinel after every output;
// - GRU gates, forward: r, z within kMaxUlp ulp; n and h' within the bound that the ulp error of
//   r, z and tanh implies (see gru_tolerance); the workspace's gh_n exact; backward from the same
//   workspace: bit-identical. Batch 1 and 3, h = 1 … 200 (tails), h_prev and dh_prev null or not.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "salient/isa.h"
#include "salient/kernels.h"
#include "salient/random.h"
#include "support/simd_tables.h"

namespace salient {
namespace {

// The bound the vectorised tanh and sigmoid are held to (measured maxima: docs/kernels.md).
constexpr int64_t kMaxUlp = 4;
constexpr float kSentinel = -777.0f;
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

using testing_kernels::simd_tables;

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Distance in units in the last place: floats mapped to a monotone integer line (±0 coincide).
int64_t ulp_distance(float a, float b) {
  auto key = [](float f) {
    const uint32_t u = bits_of(f);
    return (u & 0x80000000u) ? -int64_t(u & 0x7fffffffu) : int64_t(u);
  };
  const int64_t d = key(a) - key(b);
  return d < 0 ? -d : d;
}

std::vector<float> edge_cases() {
  std::vector<float> v = {0.0f,     -0.0f,     kInf,     -kInf,    kNaN,     -kNaN,
                          FLT_MAX,  -FLT_MAX,  FLT_MIN,  -FLT_MIN, 1e-40f,   -1e-40f,
                          1e-30f,   -1e-30f,   0.5f,     -0.5f,    0.3465f,  -0.3466f,
                          1.0f,     -1.0f,     9.0f,     -9.0f,    9.1f,     -9.1f,
                          10.0f,    -10.0f,    20.0f,    -20.0f,   87.0f,    -87.0f,
                          88.8f,    -88.8f,    103.9f,   -103.9f,  104.0f,   -104.0f,
                          110.0f,   -110.0f,   200.0f,   -200.0f,  1e30f,    -1e30f};
  v.push_back(float_of(0x7fa00000u));  // a signalling NaN
  v.push_back(float_of(1u));           // the smallest subnormal
  v.push_back(float_of(0x80000001u));
  return v;
}

// Every 2^10-th bit pattern (low bits scrambled), then the edge cases.
std::vector<float> sweep() {
  std::vector<float> v;
  v.reserve((size_t{1} << 22) + 64);
  for (uint32_t i = 0; i < (1u << 22); ++i)
    v.push_back(float_of((i << 10) | ((i * 2654435761u) >> 22)));
  for (float e : edge_cases()) v.push_back(e);
  return v;
}

using Unary = void (*)(int64_t, const float*, float*);

// The largest ulp error of f against ref over x (non-NaN reference values); fails on any NaN
// mismatch or any value over kMaxUlp.
int64_t max_ulp(Unary f, Unary ref, const std::vector<float>& x, const char* what) {
  std::vector<float> y(x.size()), y_ref(x.size());
  f(int64_t(x.size()), x.data(), y.data());
  ref(int64_t(x.size()), x.data(), y_ref.data());
  int64_t worst = 0;
  int failures = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(y_ref[i]) || std::isnan(y[i])) {
      if (std::isnan(y_ref[i]) != std::isnan(y[i]) && failures++ < 5)
        ADD_FAILURE() << what << "(" << x[i] << "): " << y[i] << " vs reference " << y_ref[i];
      continue;
    }
    const int64_t d = ulp_distance(y[i], y_ref[i]);
    if (d > worst) worst = d;
    if (d > kMaxUlp && failures++ < 5)
      ADD_FAILURE() << what << "(" << x[i] << " = 0x" << std::hex << bits_of(x[i]) << std::dec
                    << "): " << y[i] << " vs reference " << y_ref[i] << ", " << d << " ulp";
  }
  return worst;
}

TEST(ActivationVariants, TanhAndSigmoidWithinUlpBoundOverTheFloatRange) {
  const KernelTable& ref = reference_kernels();
  const std::vector<float> x = sweep();
  for (const KernelTable* t : simd_tables()) {
    SCOPED_TRACE(t->isa);
    const int64_t tanh_ulp = max_ulp(t->tanh, ref.tanh, x, "tanh");
    const int64_t sigmoid_ulp = max_ulp(t->sigmoid, ref.sigmoid, x, "sigmoid");
    std::printf("[ %s ] max error vs libm over %zu floats: tanh %lld ulp, sigmoid %lld ulp\n",
                t->isa, x.size(), static_cast<long long>(tanh_ulp),
                static_cast<long long>(sigmoid_ulp));
    EXPECT_LE(tanh_ulp, kMaxUlp);
    EXPECT_LE(sigmoid_ulp, kMaxUlp);
  }
}

TEST(ActivationVariants, EdgeCasesMatchTheReferenceExactly) {
  const KernelTable& ref = reference_kernels();
  const std::vector<float> x = edge_cases();
  const int64_t n = int64_t(x.size());
  for (const KernelTable* t : simd_tables()) {
    SCOPED_TRACE(t->isa);
    const Unary fs[2][2] = {{t->tanh, ref.tanh}, {t->sigmoid, ref.sigmoid}};
    for (const auto& f : fs) {
      std::vector<float> y(x.size()), y_ref(x.size());
      f[0](n, x.data(), y.data());
      f[1](n, x.data(), y_ref.data());
      for (size_t i = 0; i < x.size(); ++i) {
        if (std::isnan(y_ref[i])) {
          EXPECT_TRUE(std::isnan(y[i])) << x[i];
          continue;
        }
        const float r = y_ref[i];
        const bool exact = r == 0.0f || std::fabs(r) == 1.0f || r == 0.5f || std::isinf(x[i]) ||
                           x[i] == 0.0f;
        if (exact) {
          EXPECT_EQ(bits_of(y[i]), bits_of(r)) << x[i] << ": " << y[i] << " vs " << r;
        } else {
          EXPECT_LE(ulp_distance(y[i], r), kMaxUlp) << x[i];
        }
      }
    }
  }
}

std::vector<float> random_vector(size_t n, Rng& rng, float lo, float hi) {
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(lo, hi);
  return v;
}

const int64_t kLengths[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100};

TEST(ActivationVariants, ForwardTailsAndSentinels) {
  const KernelTable& ref = reference_kernels();
  Rng rng(11);
  for (const KernelTable* t : simd_tables()) {
    SCOPED_TRACE(t->isa);
    const Unary fs[3][2] = {{t->tanh, ref.tanh}, {t->sigmoid, ref.sigmoid}, {t->relu, ref.relu}};
    for (int64_t n : kLengths) {
      SCOPED_TRACE(n);
      std::vector<float> x = random_vector(size_t(n), rng, -12.0f, 12.0f);
      if (n > 2) x[1] = kNaN;
      for (int k = 0; k < 3; ++k) {
        std::vector<float> y(size_t(n) + 5, kSentinel), y_ref(static_cast<size_t>(n));
        fs[k][0](n, x.data(), y.data());
        fs[k][1](n, x.data(), y_ref.data());
        for (int64_t i = 0; i < n; ++i) {
          if (std::isnan(y_ref[i])) {
            EXPECT_TRUE(std::isnan(y[i]));
          } else if (k == 2) {
            EXPECT_EQ(bits_of(y[i]), bits_of(y_ref[i]));
          } else {
            EXPECT_LE(ulp_distance(y[i], y_ref[i]), kMaxUlp) << x[i];
          }
        }
        for (int i = 0; i < 5; ++i) EXPECT_EQ(y[size_t(n) + i], kSentinel);
      }
    }
  }
}

TEST(ActivationVariants, ReluIsBitIdenticalOverTheFloatRange) {
  const KernelTable& ref = reference_kernels();
  const std::vector<float> x = sweep();
  for (const KernelTable* t : simd_tables()) {
    SCOPED_TRACE(t->isa);
    std::vector<float> y(x.size()), y_ref(x.size());
    t->relu(int64_t(x.size()), x.data(), y.data());
    ref.relu(int64_t(x.size()), x.data(), y_ref.data());
    EXPECT_EQ(0, std::memcmp(y.data(), y_ref.data(), x.size() * sizeof(float)));
  }
}

TEST(ActivationVariants, BackwardIsBitIdentical) {
  const KernelTable& ref = reference_kernels();
  Rng rng(12);
  using Backward = void (*)(int64_t, const float*, const float*, float*);
  for (const KernelTable* t : simd_tables()) {
    SCOPED_TRACE(t->isa);
    const Backward fs[3][2] = {{t->relu_backward, ref.relu_backward},
                               {t->tanh_backward, ref.tanh_backward},
                               {t->sigmoid_backward, ref.sigmoid_backward}};
    for (int64_t n : kLengths) {
      SCOPED_TRACE(n);
      std::vector<float> a = random_vector(size_t(n), rng, -1.0f, 1.0f);
      const std::vector<float> gy = random_vector(size_t(n), rng, -2.0f, 2.0f);
      const std::vector<float> gx0 = random_vector(size_t(n), rng, -1.0f, 1.0f);
      if (n > 3) {
        a[0] = 0.0f;
        a[1] = -0.0f;
        a[2] = kNaN;
      }
      for (int k = 0; k < 3; ++k) {
        std::vector<float> gx = gx0, gx_ref = gx0;
        gx.resize(size_t(n) + 5, kSentinel);
        fs[k][0](n, a.data(), gy.data(), gx.data());
        fs[k][1](n, a.data(), gy.data(), gx_ref.data());
        for (int64_t i = 0; i < n; ++i)
          EXPECT_EQ(bits_of(gx[i]), bits_of(gx_ref[i])) << "kernel " << k << " at " << i;
        for (int i = 0; i < 5; ++i) EXPECT_EQ(gx[size_t(n) + i], kSentinel);
      }
    }
  }
}

// |h' − h'_ref| bound: r, z, tanh each within kMaxUlp ulp (≤ 2·kMaxUlp·u relative, u = 2^−24);
// r's error enters tanh's argument as |r·gh_n|·2·kMaxUlp·u and tanh has slope ≤ 1; z's error is
// multiplied by |n − h_prev|; plus a few roundings of (1 − z)·n + z·h_prev.
float gru_tolerance(float r, float z, float nv, float ghn, float hp) {
  const float u = 0x1p-24f;
  const float e = 2.0f * float(kMaxUlp) * u;
  const float dn = e * (std::fabs(nv) + std::fabs(r * ghn)) + 4.0f * u * std::fabs(r * ghn);
  return dn + e * z * (std::fabs(nv) + std::fabs(hp)) + 4.0f * u * (std::fabs(nv) + std::fabs(hp)) +
         1e-30f;
}

TEST(ActivationVariants, GruGatesMatchTheReference) {
  const KernelTable& ref = reference_kernels();
  Rng rng(13);
  for (const KernelTable* t : simd_tables()) {
    SCOPED_TRACE(t->isa);
    for (int n : {1, 3}) {
      for (int h : {1, 5, 7, 8, 9, 16, 17, 33, 200}) {
        for (bool with_prev : {true, false}) {
          SCOPED_TRACE(testing::Message() << "n=" << n << " h=" << h << " prev=" << with_prev);
          const size_t nh = size_t(n) * size_t(h);
          const std::vector<float> gi = random_vector(3 * nh, rng, -3.0f, 3.0f);
          const std::vector<float> gh = random_vector(3 * nh, rng, -3.0f, 3.0f);
          const std::vector<float> hp = random_vector(nh, rng, -1.0f, 1.0f);
          const float* hpp = with_prev ? hp.data() : nullptr;
          std::vector<float> ho(nh + 5, kSentinel), ws(4 * nh + 5, kSentinel);
          std::vector<float> ho_ref(nh), ws_ref(4 * nh);
          t->gru_gates_forward(n, h, gi.data(), gh.data(), hpp, ho.data(), ws.data());
          ref.gru_gates_forward(n, h, gi.data(), gh.data(), hpp, ho_ref.data(), ws_ref.data());
          for (int b = 0; b < n; ++b)
            for (int j = 0; j < h; ++j) {
              const size_t w = size_t(b) * 4 * h + j, o = size_t(b) * h + j;
              const float r = ws_ref[w], z = ws_ref[w + h], nv = ws_ref[w + 2 * h];
              const float ghn = ws_ref[w + 3 * h], hv = with_prev ? hp[o] : 0.0f;
              EXPECT_LE(ulp_distance(ws[w], r), kMaxUlp);
              EXPECT_LE(ulp_distance(ws[w + h], z), kMaxUlp);
              EXPECT_EQ(ws[w + 3 * h], ghn);
              const float tol = gru_tolerance(r, z, nv, ghn, hv);
              EXPECT_NEAR(ws[w + 2 * h], nv, tol);
              EXPECT_NEAR(ho[o], ho_ref[o], tol);
            }
          for (int i = 0; i < 5; ++i) {
            EXPECT_EQ(ho[nh + i], kSentinel);
            EXPECT_EQ(ws[4 * nh + i], kSentinel);
          }

          // Backward from the reference's workspace: the same arithmetic, bit for bit.
          const std::vector<float> dh = random_vector(nh, rng, -1.0f, 1.0f);
          for (bool with_dprev : {true, false}) {
            std::vector<float> dgi(3 * nh + 5, kSentinel), dgh(3 * nh + 5, kSentinel),
                dhp(nh + 5, kSentinel);
            std::vector<float> dgi_ref(3 * nh), dgh_ref(3 * nh), dhp_ref(nh);
            t->gru_gates_backward(n, h, dh.data(), hpp, ws_ref.data(), dgi.data(), dgh.data(),
                                  with_dprev ? dhp.data() : nullptr);
            ref.gru_gates_backward(n, h, dh.data(), hpp, ws_ref.data(), dgi_ref.data(),
                                   dgh_ref.data(), with_dprev ? dhp_ref.data() : nullptr);
            EXPECT_EQ(0, std::memcmp(dgi.data(), dgi_ref.data(), 3 * nh * sizeof(float)));
            EXPECT_EQ(0, std::memcmp(dgh.data(), dgh_ref.data(), 3 * nh * sizeof(float)));
            if (with_dprev) {
              EXPECT_EQ(0, std::memcmp(dhp.data(), dhp_ref.data(), nh * sizeof(float)));
            }
            for (int i = 0; i < 5; ++i) {
              EXPECT_EQ(dgi[3 * nh + i], kSentinel);
              EXPECT_EQ(dgh[3 * nh + i], kSentinel);
              EXPECT_EQ(dhp[nh + i], kSentinel);
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace salient
