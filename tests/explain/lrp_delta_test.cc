// LRP's convergence delta per sample (SPEC §7): y_c − Σ R. Oracles: a bias-free ReLU net conserves
// under explicit ε-LRP (delta ≈ 0, up to ε/|z| and float32 rounding: 1e-5 of y_c); a single linear
// layer with bias b under ε-LRP has Σ R = y·(y − b)/y = y − b, so delta = b exactly (1e-5); with
// relevance_at the delta is taken over the layer's relevance. On a per-step model (output N×T×C)
// the explained output is the target_time step's: delta = y[n, t, c_n] − Σ R_n with y from a plain
// forward of the full sequence and c_n its argmax at step t (float32 sums of 30 terms: 1e-5).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/lrp.h"
#include "salient/explain/methods.h"
#include "salient/graph.h"
#include "salient/random.h"

namespace salient::explain {
namespace {

std::vector<float> delta_of(const Model& m, const std::vector<float>& x, const Shape& shape,
                            const char* method, std::vector<Setting> settings) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  const Method& meth = *find_method(method);
  Result<Shape> out = output_shape(meth, r);
  EXPECT_TRUE(out.ok());
  std::vector<float> a(static_cast<size_t>(out->numel()));
  Arena arena;
  EXPECT_TRUE(run_method(method, r, arena, a.data()).ok());
  std::vector<float> delta(static_cast<size_t>(shape[0]));
  const Status s = lrp_convergence_delta(meth, r, a.data(), delta.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return delta;
}

TEST(LrpDelta, IsOutputMinusSummedRelevancePerSample) {
  // One linear layer, w = (1, 2, −1), b: R_i = x_i w_i · y/(y + ε) sums to (y − b)·y/(y + ε).
  Result<Model> lin = Model::create(Shape{3}, {Layer::linear("fc", 3, 1)});
  ASSERT_TRUE(lin.ok());
  const float w[3] = {1, 2, -1};
  std::copy(w, w + 3, lin->parameter("fc.weight"));
  *lin->parameter("fc.bias") = 0.75f;
  const std::vector<float> x = {1, 1, 1, 2, 0.5f, 3};  // y = 2.75, 0.75: delta = b for both
  for (const char* convention : {"captum", "zennit"}) {
    const std::vector<float> d = delta_of(*lin, x, Shape{2, 3}, "lrp-epsilon",
                                          {{"rule.fc", "epsilon"}, {"convention", convention}});
    EXPECT_NEAR(d[0], 0.75, 1e-5) << convention;
    EXPECT_NEAR(d[1], 0.75, 1e-5) << convention;
  }

  // A bias-free ReLU net conserves: delta ≈ 0 at the input and at every layer.
  Result<Model> net = Model::create(Shape{4}, {Layer::linear("l1", 4, 5, false), Layer::relu("r1"),
                                               Layer::linear("l2", 5, 3, false)});
  ASSERT_TRUE(net.ok());
  net->init_default(2);
  const std::vector<float> xs = {0.3f, -0.7f, 0.9f, 0.1f, -0.2f, 0.4f, 0.8f, -0.6f};
  for (const char* at : {"", "r1", "l2"}) {
    std::vector<Setting> s = {{"rule.l1", "epsilon"}};
    if (*at) s.push_back({"relevance_at", at});
    for (float v : delta_of(*net, xs, Shape{2, 4}, "lrp-epsilon", s))
      EXPECT_NEAR(v, 0.0, 1e-5) << at;
  }
}

TEST(LrpDelta, PerStepModelTakesTheTargetTimeStepsOutput) {
  constexpr int64_t kN = 2, kT = 5, kD = 3, kC = 3;
  Result<Model> m = Model::create(
      Shape{0, kD}, {Layer::gru("gru", kD, 4, /*all_steps=*/true), Layer::linear("fc", 4, kC)});
  ASSERT_TRUE(m.ok());
  m->init_default(5);
  Rng rng(11);
  std::vector<float> x(kN * kT * kD);
  for (float& v : x) v = rng.normal();
  const Shape shape{kN, kT, kD};

  Arena arena;
  Graph g(arena);
  const Tensor y = m->forward(g, g.input(x.data(), shape, false));
  ASSERT_TRUE(g.ok());
  for (int64_t t : {int64_t{1}, kT - 1}) {
    const std::string step = t == kT - 1 ? "last" : std::to_string(t);
    Request r;
    r.model = &*m;
    r.x = x.data();
    r.shape = shape;
    r.settings = {{"target_time", step}};
    const Method& meth = *find_method("lrp-epsilon");
    std::vector<float> a(x.size()), delta(kN);
    Arena run;
    ASSERT_TRUE(run_method("lrp-epsilon", r, run, a.data()).ok());
    const Status s = lrp_convergence_delta(meth, r, a.data(), delta.data());
    ASSERT_TRUE(s.ok()) << s.message();
    for (int64_t i = 0; i < kN; ++i) {
      const float* yt = y.data + (i * kT + t) * kC;
      const float y_c = *std::max_element(yt, yt + kC);
      double sum = 0.0;
      for (int64_t k = 0; k < kT * kD; ++k) sum += a[static_cast<size_t>(i * kT * kD + k)];
      EXPECT_NEAR(delta[static_cast<size_t>(i)], y_c - sum, 1e-5) << "target_time=" << step;
    }
  }

  // target_time=all has one output per step: no single delta per sample.
  Request r;
  r.model = &*m;
  r.x = x.data();
  r.shape = shape;
  r.settings = {{"target_time", "all"}};
  std::vector<float> a(x.size(), 0.0f), delta(kN);
  const Status s = lrp_convergence_delta(*find_method("lrp-epsilon"), r, a.data(), delta.data());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("target_time=all"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace salient::explain
