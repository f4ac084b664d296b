// smoothgrad, smoothgrad-sq, vargrad (Captum's NoiseTunnel): σ = 0 reproduces the base method,
// seeds reproduce bit-identically (chunking changes only rounding), vargrad = E[a²] − E[a]²,
// unknown base methods are errors naming them, the base's own keys reach the base.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/integrated_gradients.h"
#include "salient/explain/methods.h"
#include "support/chunked_nets.h"

namespace salient::explain {
namespace {

using testing_explain::expect_close;
using testing_explain::tanh_net;

const std::vector<float> kX = {0.9f, -1.2f, 0.4f, -0.3f, 1.5f, 2.0f};

Status explain(const Model& m, const std::string& method, std::vector<Setting> settings, uint64_t seed,
               std::vector<float>* a) {
  Request r;
  r.model = &m;
  r.x = kX.data();
  r.shape = Shape{2, 3};
  r.settings = std::move(settings);
  r.seed = seed;
  a->assign(kX.size(), 0.0f);
  Arena arena;
  return run_method(method, r, arena, a->data());
}

std::vector<float> must(const Model& m, const std::string& method, std::vector<Setting> settings, uint64_t seed = 0) {
  std::vector<float> a;
  Status s = explain(m, method, std::move(settings), seed, &a);
  EXPECT_TRUE(s.ok()) << s.message();
  return a;
}

TEST(NoiseTunnel, ZeroNoiseEqualsTheBase) {
  const Model m = tanh_net();
  for (const char* base : {"saliency", "input-x-gradient", "integrated-gradients"}) {
    const std::vector<float> plain = must(m, base, {});
    EXPECT_EQ(must(m, "smoothgrad", {{"base", base}, {"stdevs", "0"}, {"nt_samples", "3"}}), plain) << base;
    std::vector<float> sq = plain;
    for (float& v : sq) v = static_cast<float>(static_cast<double>(v) * v);
    const std::vector<float> got = must(m, "smoothgrad-sq", {{"base", base}, {"stdevs", "0"}});
    for (size_t i = 0; i < sq.size(); ++i) EXPECT_FLOAT_EQ(got[i], sq[i]) << base;
    for (float v : must(m, "vargrad", {{"base", base}, {"stdevs", "0"}})) EXPECT_NEAR(v, 0.0f, 1e-7) << base;
  }
}

TEST(NoiseTunnel, SeedsReproduceBitIdenticallyAndChunkingOnlyRounds) {
  const Model m = tanh_net();
  for (const char* method : {"smoothgrad", "smoothgrad-sq", "vargrad"}) {
    const std::vector<float> a = must(m, method, {{"nt_samples", "7"}}, 42);
    EXPECT_EQ(must(m, method, {{"nt_samples", "7"}}, 42), a) << method;
    EXPECT_NE(must(m, method, {{"nt_samples", "7"}}, 43), a) << method;
    const size_t saved = batch_budget_bytes();
    set_batch_budget_bytes(1);
    expect_close(must(m, method, {{"nt_samples", "7"}}, 42), a);
    set_batch_budget_bytes(saved);
  }
}

TEST(NoiseTunnel, VarGradIsMeanSquareMinusSquaredMean) {
  const Model m = tanh_net();
  const std::vector<Setting> s = {{"base", "input-x-gradient"}, {"nt_samples", "9"}, {"stdevs", "0.5"}};
  const std::vector<float> mean = must(m, "smoothgrad", s, 7);
  const std::vector<float> sq = must(m, "smoothgrad-sq", s, 7);
  const std::vector<float> var = must(m, "vargrad", s, 7);
  for (size_t i = 0; i < var.size(); ++i) {
    EXPECT_NEAR(var[i], sq[i] - mean[i] * mean[i], 1e-6);
    EXPECT_GE(var[i], 0.0f);
  }
  // With noise the smoothed map differs from the plain one, and vargrad is positive somewhere.
  EXPECT_NE(mean, must(m, "input-x-gradient", {}));
  float most = 0.0f;
  for (float v : var) most = std::max(most, v);
  EXPECT_GT(most, 1e-6f);
}

TEST(NoiseTunnel, UnknownBaseIsAnErrorNamingIt) {
  const Model m = tanh_net();
  std::vector<float> a;
  Status s = explain(m, "smoothgrad", {{"base", "lrp-magic"}}, 0, &a);
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_NE(std::string(s.message()).find("lrp-magic"), std::string::npos) << s.message();
  EXPECT_EQ(explain(m, "vargrad", {{"nt_samples", "0"}}, 0, &a).code(), Code::kInvalidArgument);
  EXPECT_EQ(explain(m, "vargrad", {{"stdevs", "-1"}}, 0, &a).code(), Code::kInvalidArgument);
}

TEST(NoiseTunnel, TheBasesKeysReachTheBase) {
  const Model m = tanh_net();
  // σ = 0: the tunnel is its base run with the keys that are not the tunnel's own.
  const std::vector<float> ig = must(m, "integrated-gradients", {{"n_steps", "3"}, {"method", "riemann_left"}});
  EXPECT_NE(ig, must(m, "integrated-gradients", {}));  // the keys change the base's result
  EXPECT_EQ(must(m, "smoothgrad", {{"base", "integrated-gradients"}, {"n_steps", "3"}, {"method", "riemann_left"},
                                   {"stdevs", "0"}, {"nt_samples", "2"}}),
            ig);
  const std::vector<float> signed_saliency = must(m, "saliency", {{"abs", "false"}});
  EXPECT_EQ(must(m, "smoothgrad", {{"abs", "false"}, {"stdevs", "0"}}), signed_saliency);
  // A key of another method is still an error, naming the key and the base.
  std::vector<float> a;
  const Status s = explain(m, "smoothgrad", {{"n_steps", "3"}}, 0, &a);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("n_steps"), std::string::npos) << s.message();
  EXPECT_NE(std::string(s.message()).find("saliency"), std::string::npos) << s.message();
  // A base key that changes the written shape (relevance at l1's 4 outputs, not the 3 inputs; the
  // first chunk holds one sample of the 2) is
  // an error naming both shapes, not a write past the tunnel's buffers.
  const Status reshaped = explain(m, "smoothgrad", {{"base", "lrp-epsilon"}, {"relevance_at", "l1"}}, 0, &a);
  EXPECT_EQ(reshaped.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(reshaped.message()).find("writes [2, 4]"), std::string::npos) << reshaped.message();
  // A bad value for the base's key is the base's error.
  EXPECT_EQ(explain(m, "vargrad", {{"base", "integrated-gradients"}, {"n_steps", "0"}}, 0, &a).code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace salient::explain
