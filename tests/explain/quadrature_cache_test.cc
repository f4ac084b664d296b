// The Gauss-Legendre nodes and weights are cached per n (explain/src/quadrature.cc): whatever n was
// asked for before, and from several threads at once, a rule gives the same bits as its first call,
// and it is still the Gauss rule: exact for α^k, k ≤ 2n − 1 (∫₀¹ α^k dα = 1/(k + 1)). Tolerance
// for the moments: 1e-13 absolute (n ≤ 64 products of terms ≤ 1 in double, plus the nodes' own
// Newton error, both a few 1e-16).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>
#if !SALIENT_NO_THREADS
#include <thread>
#endif

#include "salient/explain/integrated_gradients.h"

namespace salient::explain {
namespace {

struct Rule {
  std::vector<double> alphas, weights;
};

Rule gauss(int n) {
  Rule r{std::vector<double>(static_cast<size_t>(n)), std::vector<double>(static_cast<size_t>(n))};
  EXPECT_TRUE(quadrature(Quadrature::kGaussLegendre, n, r.alphas.data(), r.weights.data()).ok());
  return r;
}

bool same_bits(const Rule& a, const Rule& b) {
  return a.alphas.size() == b.alphas.size() &&
         std::memcmp(a.alphas.data(), b.alphas.data(), a.alphas.size() * sizeof(double)) == 0 &&
         std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * sizeof(double)) == 0;
}

TEST(QuadratureCache, SameBitsWhateverWasAskedBefore) {
  const int sizes[] = {50, 7, 50, 1, 64, 7, 7, 50, 64};
  std::vector<Rule> first(65);
  for (int n : sizes) {
    const Rule r = gauss(n);
    if (first[static_cast<size_t>(n)].alphas.empty()) first[static_cast<size_t>(n)] = r;
    EXPECT_TRUE(same_bits(r, first[static_cast<size_t>(n)])) << "n=" << n;
    for (int k = 0; k <= 2 * n - 1; ++k) {
      double integral = 0.0;
      for (int i = 0; i < n; ++i)
        integral +=
            r.weights[static_cast<size_t>(i)] * std::pow(r.alphas[static_cast<size_t>(i)], k);
      EXPECT_NEAR(integral, 1.0 / (k + 1), 1e-13) << "n=" << n << " k=" << k;
    }
  }
}

#if !SALIENT_NO_THREADS
TEST(QuadratureCache, ThreadsAskingForDifferentSizesGetTheirOwnRule) {
  const Rule want_a = gauss(50), want_b = gauss(13);
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const bool a = (i + t) % 2 == 0;
        if (!same_bits(gauss(a ? 50 : 13), a ? want_a : want_b)) ++wrong[static_cast<size_t>(t)];
      }
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(wrong[static_cast<size_t>(t)], 0) << "thread " << t;
}
#endif

}  // namespace
}  // namespace salient::explain
