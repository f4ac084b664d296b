// saliency and input-x-gradient through the registry: the DeepExplain known answers on
// f(x) = ReLU(ReLU(x1 − 1) − ReLU(x2)) at x = (3, 1) (reference/lrp_rap.md §7): gradient (1, −1),
// so |gradient| = (1, 1) and Gradient×Input = (3, −1); at x = (−10, −5) everything is 0.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "salient/explain/methods.h"
#include "support/explain_fixtures.h"

namespace salient::explain {
namespace {

using testing_explain::deepexplain_net;

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

// The multi-point methods resolve explicit targets from the output shape alone (no forward at x):
// the argmax given explicitly reproduces the default, another class changes the result, and a
// class past C is an error naming it.
TEST(GradientMethods, ExplicitTargetsOfTheMultiPointMethods) {
  Result<Model> m = Model::create(Shape{3}, {Layer::linear("l1", 3, 5), Layer::tanh("t"), Layer::linear("l2", 5, 4)});
  ASSERT_TRUE(m.ok());
  m->init_default(3);
  const std::vector<float> x = {0.3f, -0.7f, 1.1f, -0.2f, 0.5f, 0.9f};
  const std::vector<float> set = {0.1f, 0.2f, -0.1f, -0.3f, 0.0f, 0.4f};
  auto run = [&](const std::string& method, const int32_t* targets, std::vector<float>* a) {
    Request r;
    r.model = &*m;
    r.x = x.data();
    r.shape = Shape{2, 3};
    r.target.columns = targets;
    r.seed = 4;
    r.baselines = set.data();
    r.baselines_shape = Shape{2, 3};
    a->assign(x.size(), 0.0f);
    Arena arena;
    return run_method(method, r, arena, a->data());
  };
  std::vector<float> by_argmax;
  for (const char* method : {"integrated-gradients", "smoothgrad", "gradient-shap"}) {
    ASSERT_TRUE(run(method, nullptr, &by_argmax).ok()) << method;
    // Of the 16 explicit target pairs, exactly one (the argmax pair) gives the default's floats.
    std::vector<float> got;
    int matches = 0;
    for (int32_t c0 = 0; c0 < 4; ++c0)
      for (int32_t c1 = 0; c1 < 4; ++c1) {
        const int32_t targets[2] = {c0, c1};
        ASSERT_TRUE(run(method, targets, &got).ok()) << method;
        matches += got == by_argmax;
      }
    EXPECT_EQ(matches, 1) << method;
    const int32_t past[2] = {0, 4};
    std::vector<float> a;
    const Status s = run(method, past, &a);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << method;
    EXPECT_NE(std::string(s.message()).find("target 4 of sample 1 is not in [0, 4)"), std::string::npos)
        << s.message();
  }
}

}  // namespace
}  // namespace salient::explain
