// Swapping backward rules: a RuleSet replaces the backward of one op kind, or of one named layer,
// while the forward code (and so the forward output) stays exactly the same.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "salient/model.h"
#include "salient/rules.h"

namespace salient {
namespace {

// A fixed net: fc1 -> relu1 -> fc2 -> relu2 -> fc3 (4 -> 6 -> 5 -> 3), seeded weights.
Model make_net() {
  Result<Model> m = Model::create(Shape{4}, {Layer::linear("fc1", 4, 6), Layer::relu("relu1"),
                                             Layer::linear("fc2", 6, 5), Layer::relu("relu2"),
                                             Layer::linear("fc3", 5, 3)});
  SALIENT_ASSERT(m.ok());
  m->init_default(11);
  return std::move(*m);
}

const std::vector<float> kInput = {0.9f, -0.4f, 0.3f, 1.2f, -0.7f, 0.5f, 0.8f, -1.1f};  // 2 samples

struct Pass {
  std::vector<float> output;
  std::vector<float> input_signal;
  std::vector<std::string> visited;  // filled by the recording rule
};

Pass run(const Model& model, const RuleSet& rules) {
  Arena arena;
  Graph g(arena);
  Tensor x = g.input(kInput.data(), Shape{2, 4}, true);
  Tensor y = model.forward(g, x);
  SALIENT_ASSERT(g.ok());
  Pass p;
  p.output.assign(y.data, y.data + y.numel());
  const std::vector<float> seed = {1, 0, 0, 0, 1, 0};  // class 0 of sample 0, class 1 of sample 1
  Status s = g.backward(y, seed.data(), rules);
  SALIENT_ASSERT(s.ok());
  p.input_signal.assign(g.grad(x), g.grad(x) + x.numel());
  return p;
}

// ReLU rule with a parameter: gx += scale · gy · [x > 0].
void scaled_relu(const Node& n, BackwardContext& ctx, const void* params) {
  const float scale = *static_cast<const float*>(params);
  const float* x = ctx.input(n, 0).data;
  const float* gy = ctx.grad_out(n);
  float* gx = ctx.grad_in(n, 0);
  for (int64_t i = 0; i < ctx.output(n).shape.numel(); ++i)
    if (x[i] > 0.0f) gx[i] += scale * gy[i];
}

// ReLU rule that ignores the forward mask: gx += gy (the "deconvnet-like" pass-through).
void pass_relu(const Node& n, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(n, 0);
  for (int64_t i = 0; i < ctx.output(n).shape.numel(); ++i) gx[i] += ctx.grad_out(n)[i];
}

void expect_scaled(const std::vector<float>& got, const std::vector<float>& base, float k) {
  ASSERT_EQ(got.size(), base.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], k * base[i]) << "element " << i;
}

TEST(RuleSwap, ReplacingAnOpKindChangesBackwardOnly) {
  const Model model = make_net();
  const Pass exact = run(model, gradient_rules());

  const float two = 2.0f;
  RuleSet rules = gradient_rules();
  rules.set(OpKind::kRelu, Rule{scaled_relu, &two, "scaled-relu"});
  const Pass swapped = run(model, rules);

  EXPECT_EQ(swapped.output, exact.output);  // bit-identical forward
  // Both ReLUs now double the signal: the input signal is 4x the gradient.
  expect_scaled(swapped.input_signal, exact.input_signal, 4.0f);
}

TEST(RuleSwap, OverridingOneNamedLayer) {
  const Model model = make_net();
  const Pass exact = run(model, gradient_rules());
  const float three = 3.0f;
  RuleSet rules = gradient_rules();
  ASSERT_TRUE(rules.set_layer("relu2", Rule{scaled_relu, &three, "scaled-relu"}).ok());
  const Pass swapped = run(model, rules);
  EXPECT_EQ(swapped.output, exact.output);
  expect_scaled(swapped.input_signal, exact.input_signal, 3.0f);  // only relu2 triples
}

TEST(RuleSwap, LayerOverrideRestrictedToOneKindLeavesOtherKindsAlone) {
  const Model model = make_net();
  const Pass exact = run(model, gradient_rules());
  const float five = 5.0f;
  RuleSet rules = gradient_rules();
  // relu1 has only a ReLU node: an override for kLinear there must never fire.
  ASSERT_TRUE(rules.set_layer("relu1", Rule{scaled_relu, &five, "x"}, OpKind::kLinear).ok());
  EXPECT_EQ(run(model, rules).input_signal, exact.input_signal);
  ASSERT_TRUE(rules.set_layer("relu1", Rule{scaled_relu, &five, "x"}, OpKind::kRelu).ok());
  expect_scaled(run(model, rules).input_signal, exact.input_signal, 5.0f);
}

TEST(RuleSwap, LayerOverrideWinsOverTheKindRule) {
  const Model model = make_net();
  const Pass exact = run(model, gradient_rules());
  const float two = 2.0f, one = 1.0f;
  RuleSet rules = gradient_rules();
  rules.set(OpKind::kRelu, Rule{scaled_relu, &two, "double"});
  ASSERT_TRUE(rules.set_layer("relu1", Rule{scaled_relu, &one, "exact"}).ok());
  expect_scaled(run(model, rules).input_signal, exact.input_signal, 2.0f);  // relu2 only
  // A second override of the same layer replaces the first.
  ASSERT_TRUE(rules.set_layer("relu1", Rule{scaled_relu, &two, "double"}).ok());
  EXPECT_EQ(rules.override_count, 1);
  expect_scaled(run(model, rules).input_signal, exact.input_signal, 4.0f);
}

TEST(RuleSwap, PassThroughReluGivesTheProductOfWeightMatrices) {
  const Model model = make_net();
  RuleSet rules = gradient_rules();
  rules.set(OpKind::kRelu, Rule{pass_relu, nullptr, "pass"});
  const Pass p = run(model, rules);
  // Without ReLU masks the signal is row c of W3·W2·W1 (biases do not matter).
  const float* w1 = model.parameter("fc1.weight");
  const float* w2 = model.parameter("fc2.weight");
  const float* w3 = model.parameter("fc3.weight");
  for (int sample = 0; sample < 2; ++sample) {
    const int c = sample;  // the seed picks class 0 then class 1
    for (int j = 0; j < 4; ++j) {
      double expected = 0;
      for (int a = 0; a < 5; ++a)
        for (int b = 0; b < 6; ++b) expected += double(w3[c * 5 + a]) * w2[a * 6 + b] * w1[b * 4 + j];
      EXPECT_NEAR(p.input_signal[sample * 4 + j], expected, 1e-6);
    }
  }
}

// A rule that records the layer it visits, to show the walk order and the lookup keys.
struct Visits {
  std::vector<std::string>* log;
};
void record_visit(const Node& n, BackwardContext& ctx, const void* params) {
  static_cast<const Visits*>(params)->log->push_back(ctx.graph().layer_name(n.layer));
  gradient_rules().lookup(n.kind, "").fn(n, ctx, nullptr);  // then behave exactly
}

TEST(RuleSwap, BackwardVisitsNodesInReverseWithTheirLayerNames) {
  const Model model = make_net();
  std::vector<std::string> log;
  const Visits visits{&log};
  RuleSet rules = gradient_rules();
  for (OpKind k : {OpKind::kLinear, OpKind::kRelu}) rules.set(k, Rule{record_visit, &visits, "log"});
  const Pass p = run(model, rules);
  EXPECT_EQ(log, (std::vector<std::string>{"fc3", "relu2", "fc2", "relu1", "fc1"}));
  EXPECT_EQ(p.input_signal, run(model, gradient_rules()).input_signal);
}

TEST(RuleSwap, MissingRuleIsAnErrorNamingTheOp) {
  const Model model = make_net();
  RuleSet rules = gradient_rules();
  rules.set(OpKind::kRelu, Rule{});
  Arena arena;
  Graph g(arena);
  Tensor x = g.input(kInput.data(), Shape{2, 4}, true);
  Tensor y = model.forward(g, x);
  Status s = g.backward(y, nullptr, rules);
  EXPECT_EQ(s.code(), Code::kUnimplemented);
  EXPECT_NE(std::string(s.message()).find("relu (layer 'relu2')"), std::string::npos) << s.message();
}

TEST(RuleSwap, OverrideValidation) {
  RuleSet rules = gradient_rules();
  EXPECT_FALSE(rules.set_layer("", Rule{}).ok());
  EXPECT_FALSE(rules.set_layer(std::string(200, 'a').c_str(), Rule{}).ok());
  for (int i = 0; i < RuleSet::kMaxOverrides; ++i)
    ASSERT_TRUE(rules.set_layer(("layer" + std::to_string(i)).c_str(), Rule{}).ok());
  Status full = rules.set_layer("one-more", Rule{});
  EXPECT_FALSE(full.ok());
  EXPECT_NE(std::string(full.message()).find("16"), std::string::npos);
}

TEST(RuleSwap, TheDefaultRuleSetCoversEveryOpKind) {
  for (int k = 0; k < kOpKindCount; ++k) {
    const Rule& r = gradient_rules().by_kind[k];
    EXPECT_NE(r.fn, nullptr) << op_kind_name(static_cast<OpKind>(k));
    EXPECT_STREQ(r.name, "gradient");
  }
}

}  // namespace
}  // namespace salient
