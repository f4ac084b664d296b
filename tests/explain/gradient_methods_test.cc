// saliency and input-x-gradient through the registry: the DeepExplain known answers on
// f(x) = ReLU(ReLU(x1 − 1) − ReLU(x2)) at x = (3, 1) (reference/lrp_rap.md §7): gradient (1, −1),
// so |gradient| = (1, 1) and Gradient×Input = (3, −1); at x = (−10, −5) everything is 0.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "salient/explain/methods.h"

namespace salient::explain {
namespace {

// f as a model: linear(2→2) with W = I, b = (−1, 0), relu, linear(2→1) with w = (1, −1), relu.
Model deepexplain_net() {
  Result<Model> m = Model::create(Shape{2}, {Layer::linear("l1", 2, 2), Layer::relu("r1"), Layer::linear("l2", 2, 1),
                                             Layer::relu("r2")});
  SALIENT_ASSERT(m.ok());
  const float w1[4] = {1, 0, 0, 1}, b1[2] = {-1, 0}, w2[2] = {1, -1}, b2[1] = {0};
  std::copy(w1, w1 + 4, m->parameter("l1.weight"));
  std::copy(b1, b1 + 2, m->parameter("l1.bias"));
  std::copy(w2, w2 + 2, m->parameter("l2.weight"));
  std::copy(b2, b2 + 1, m->parameter("l2.bias"));
  return std::move(*m);
}

std::vector<float> explain_with(const Model& m, const std::vector<float>& x, const std::string& method,
                                std::vector<Setting> settings = {}) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = Shape{static_cast<int64_t>(x.size() / 2), 2};
  r.settings = std::move(settings);
  std::vector<float> a(x.size());
  Arena arena;
  Status s = run_method(method, r, arena, a.data());
  SALIENT_ASSERT(s.ok());
  return a;
}

TEST(GradientMethods, DeepExplainKnownAnswers) {
  const Model m = deepexplain_net();
  const std::vector<float> x = {3, 1, -10, -5};  // two samples
  EXPECT_EQ(explain_with(m, x, "saliency"), (std::vector<float>{1, 1, 0, 0}));
  EXPECT_EQ(explain_with(m, x, "saliency", {{"abs", "false"}}), (std::vector<float>{1, -1, 0, 0}));
  EXPECT_EQ(explain_with(m, x, "input-x-gradient"), (std::vector<float>{3, -1, 0, 0}));
}

TEST(GradientMethods, RegistryValidatesNamesAndKeys) {
  const Model m = deepexplain_net();
  const std::vector<float> x = {3, 1};
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = Shape{1, 2};
  std::vector<float> a(2);
  Arena arena;
  EXPECT_EQ(run_method("lrp-magic", r, arena, a.data()).code(), Code::kNotFound);
  r.settings = {{"abs", "maybe"}};
  Status bad_value = run_method("saliency", r, arena, a.data());
  EXPECT_NE(std::string(bad_value.message()).find("abs=maybe"), std::string::npos) << bad_value.message();
  r.settings = {{"steps", "3"}};
  EXPECT_EQ(run_method("input-x-gradient", r, arena, a.data()).code(), Code::kInvalidArgument);
  for (const Method& method : methods()) EXPECT_EQ(find_method(method.name), &method);
}

}  // namespace
}  // namespace salient::explain
