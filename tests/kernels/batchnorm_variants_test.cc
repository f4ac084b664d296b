// Every batch-normalisation variant (channel_affine and batchnorm_backward of kernels_for(isa) for
// each SIMD ISA this CPU runs) against the scalar reference: channel counts around the vector
// widths (1, 7, 8, 9, 15-17, 33), the hmm-gru's 200, and counts across the kernels' 256-channel
// block (300, 513); one to 50 rows; the [outer, c, 1] layout the variants vectorise and inner > 1
// (which they hand to the reference); training and inference; each output present or null.
// The variants do the reference's operations in its order and precision (float products, double
// sums and gradient arithmetic, rows summed in order), so values must match bit for bit (no
// tolerance), and sentinels after every output must survive.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
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

std::vector<float> normal(size_t n, uint64_t seed, float scale, float offset) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = offset + scale * rng.normal();
  return v;
}

// `count` values then kTail sentinels.
std::vector<float> padded(std::vector<float> v) {
  v.resize(v.size() + kTail, kSentinel);
  return v;
}

void expect_same_bits(const std::vector<float>& got, const std::vector<float>& want,
                      const char* what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(float)), 0)
        << what << "[" << i << "] " << got[i] << " vs " << want[i];
}

struct Case {
  int64_t outer;
  int c;
  int64_t inner;
};

void check(const Case& cs) {
  SCOPED_TRACE(testing::Message() << "outer=" << cs.outer << " c=" << cs.c
                                  << " inner=" << cs.inner);
  const size_t n = static_cast<size_t>(cs.outer * cs.c * cs.inner);
  const size_t c = static_cast<size_t>(cs.c);
  const uint64_t seed = static_cast<uint64_t>(cs.outer * 1000 + cs.c * 10 + cs.inner);
  const std::vector<float> x = normal(n, seed, 2.0f, 0.5f);
  const std::vector<float> gy = normal(n, seed + 1, 1.0f, 0.1f);
  const std::vector<float> scale = normal(c, seed + 2, 1.0f, 1.0f);
  const std::vector<float> shift = normal(c, seed + 3, 1.0f, 0.0f);
  const std::vector<float> mean = normal(c, seed + 4, 0.5f, 0.5f);
  std::vector<float> invstd = normal(c, seed + 5, 0.3f, 1.0f);
  for (float& v : invstd) v = std::fabs(v) + 0.1f;
  const std::vector<float> gamma = normal(c, seed + 6, 1.0f, 1.0f);
  const std::vector<float> gx0 = padded(normal(n, seed + 7, 1.0f, 0.0f));
  const std::vector<float> gp0 = padded(normal(c, seed + 8, 1.0f, 0.0f));
  const KernelTable& ref = reference_kernels();

  std::vector<float> y_want = padded(std::vector<float>(n));
  ref.channel_affine(cs.outer, cs.c, cs.inner, x.data(), scale.data(), shift.data(), y_want.data());
  for (const KernelTable* t : simd_tables()) {
    SCOPED_TRACE(t->isa);
    std::vector<float> y = padded(std::vector<float>(n));
    t->channel_affine(cs.outer, cs.c, cs.inner, x.data(), scale.data(), shift.data(), y.data());
    expect_same_bits(y, y_want, "affine y");
  }

  for (bool training : {false, true})
    for (int outputs = 0; outputs < 8; ++outputs) {  // bit 0: gx, 1: gγ, 2: gβ
      SCOPED_TRACE(testing::Message() << "training=" << training << " outputs=" << outputs);
      std::vector<float> gx_want = gx0, gg_want = gp0, gb_want = gp0;
      const auto run = [&](const KernelTable& k, std::vector<float>& gx, std::vector<float>& gg,
                           std::vector<float>& gb) {
        k.batchnorm_backward(
            cs.outer, cs.c, cs.inner, x.data(), gy.data(), mean.data(), invstd.data(), gamma.data(),
            training, (outputs & 1) ? gx.data() : nullptr, (outputs & 2) ? gg.data() : nullptr,
            (outputs & 4) ? gb.data() : nullptr);
      };
      run(ref, gx_want, gg_want, gb_want);
      for (const KernelTable* t : simd_tables()) {
        SCOPED_TRACE(t->isa);
        std::vector<float> gx = gx0, gg = gp0, gb = gp0;
        run(*t, gx, gg, gb);
        expect_same_bits(gx, gx_want, "gx");
        expect_same_bits(gg, gg_want, "ggamma");
        expect_same_bits(gb, gb_want, "gbeta");
      }
    }
}

TEST(BatchNormVariants, MatchReferenceBitForBit) {
  const Case cases[] = {
      {1, 1, 1},   {3, 7, 1},   {5, 8, 1},  {2, 9, 1},    {4, 15, 1},
      {4, 16, 1},  {4, 17, 1},  {6, 33, 1}, {50, 200, 1},  // hmm-gru's batchnorm1d over 200 hidden
                                                           // units
      {3, 300, 1}, {2, 513, 1},                            // across the 256-channel block
      {2, 3, 5},   {3, 16, 64},  // batchnorm2d layouts (the reference's path)
  };
  for (const Case& c : cases) check(c);
}

}  // namespace
}  // namespace salient
