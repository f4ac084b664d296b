// LRP's convergence delta per sample (SPEC §7): y_c − Σ R. Oracles: a bias-free ReLU net conserves
// under explicit ε-LRP (delta ≈ 0, up to ε/|z| and float32 rounding: 1e-5 of y_c); a single linear
// layer with bias b under ε-LRP has Σ R = y·(y − b)/y = y − b, so delta = b exactly (1e-5); with
// relevance_at the delta is taken over the layer's relevance.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "salient/explain/lrp.h"
#include "salient/explain/methods.h"

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

}  // namespace
}  // namespace salient::explain
