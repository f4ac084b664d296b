#include "salient/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "salient/presets.h"
#include "salient/random.h"
#include "salient/rules.h"

namespace salient {
namespace {

bool contains(const Status& s, const char* part) {
  return std::string(s.message()).find(part) != std::string::npos;
}

TEST(Model, DigitsCnnShapesAndParameters) {
  Result<Model> m = preset_model("digits-cnn");
  ASSERT_TRUE(m.ok()) << m.status().message();
  const std::vector<Parameter>& p = m->parameters();
  ASSERT_EQ(p.size(), 8u);
  EXPECT_EQ(p[0].name, "conv1.weight");
  EXPECT_EQ(p[0].shape, (Shape{16, 1, 3, 3}));
  EXPECT_EQ(p[1].name, "conv1.bias");
  EXPECT_EQ(p[6].name, "fc2.weight");
  EXPECT_EQ(p[6].shape, (Shape{10, 64}));
  // 160 + 4640 + 32832 + 650 parameters.
  EXPECT_EQ(m->parameter_count(), 160 + 4640 + 32832 + 650);
  Result<Shape> out = m->output_shape(Shape{5, 1, 8, 8});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, (Shape{5, 10}));
  EXPECT_NE(m->parameter("fc1.bias"), nullptr);
  EXPECT_EQ(m->parameter("fc1.gamma"), nullptr);
  EXPECT_EQ(m->layer("pool")->stride.h, 2);  // pool stride defaults to the kernel
}

TEST(Model, ForwardMatchesTheDeclaredOutputShapeAndIsDeterministic) {
  Result<Model> m = preset_model("digits-cnn");
  ASSERT_TRUE(m.ok());
  m->init_default(3);
  std::vector<float> x(3 * 64);
  Rng rng(1);
  for (float& v : x) v = rng.uniform();
  Arena arena;
  std::vector<float> first;
  for (int run = 0; run < 2; ++run) {
    Graph g(arena);
    Tensor y = m->forward(g, g.input(x.data(), Shape{3, 1, 8, 8}));
    ASSERT_TRUE(g.ok()) << g.status().message();
    EXPECT_EQ(y.shape, (Shape{3, 10}));
    std::vector<float> out(y.data, y.data + y.numel());
    if (run == 0) {
      first = out;
    } else {
      EXPECT_EQ(out, first);
    }
    arena.reset();
  }
}

TEST(Model, DefaultInitFollowsPyTorchBounds) {
  Result<Model> m = preset_model("digits-cnn");
  ASSERT_TRUE(m.ok());
  m->init_default(5);
  struct Case {
    const char* name;
    double fan_in;
  };
  for (Case c : {Case{"conv1.weight", 9}, Case{"conv1.bias", 9}, Case{"conv2.weight", 144},
                 Case{"fc1.weight", 512}, Case{"fc2.bias", 64}}) {
    const float* p = m->parameter(c.name);
    const Parameter* info = nullptr;
    for (const Parameter& q : m->parameters())
      if (q.name == c.name) info = &q;
    const double bound = 1.0 / std::sqrt(c.fan_in);
    double max_abs = 0;
    for (int64_t i = 0; i < info->shape.numel(); ++i) {
      EXPECT_LE(std::fabs(p[i]), bound) << c.name;
      max_abs = std::max(max_abs, double(std::fabs(p[i])));
    }
    // With ≥ 10 draws the largest |value| is within 40 % of the bound with overwhelming probability.
    if (info->shape.numel() >= 10) {
      EXPECT_GT(max_abs, 0.6 * bound) << c.name;
    }
  }
  Result<Model> again = preset_model("digits-cnn");
  again->init_default(5);
  EXPECT_EQ(std::vector<float>(again->parameter_data(), again->parameter_data() + again->parameter_count()),
            std::vector<float>(m->parameter_data(), m->parameter_data() + m->parameter_count()));
}

TEST(Model, SequenceModelAcceptsAnyLength) {
  // input_shape [0, 3]: any number of steps, 3 features; linear works per step on N×T×H.
  Result<Model> m = Model::create(Shape{0, 3}, {Layer::linear("proj", 3, 8), Layer::tanh("act"),
                                                Layer::linear("head", 8, 2)});
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(1);
  for (int64_t t : {1, 5, 17}) {
    std::vector<float> x(static_cast<size_t>(2 * t * 3), 0.25f);
    Arena arena;
    Graph g(arena);
    Tensor y = m->forward(g, g.input(x.data(), Shape{2, t, 3}));
    ASSERT_TRUE(g.ok()) << g.status().message();
    EXPECT_EQ(y.shape, (Shape{2, t, 2}));
  }
}

TEST(Model, Conv1dPoolsAndReshapeOnSequences) {
  Result<Model> m = Model::create(
      Shape{2, 0}, {Layer::conv1d("c", 2, 4, 3, 1, 1), Layer::maxpool1d("mp", 2), Layer::avgpool1d("ap", 2, 1),
                    Layer::global_avgpool("gap"), Layer::reshape("rs", Shape{2, -1}), Layer::flatten("fl"),
                    Layer::softmax("sm")});
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(2);
  std::vector<float> x(1 * 2 * 12, 0.5f);
  Arena arena;
  Graph g(arena);
  Tensor y = m->forward(g, g.input(x.data(), Shape{1, 2, 12}));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(y.shape, (Shape{1, 4}));
  EXPECT_NEAR(y.data[0] + y.data[1] + y.data[2] + y.data[3], 1.0, 1e-6);
}

TEST(Model, ValidationErrorsNameTheLayer) {
  Result<Model> dup = Model::create(Shape{4}, {Layer::relu("a"), Layer::relu("a")});
  EXPECT_TRUE(contains(dup.status(), "'a' is used twice"));

  Result<Model> lin = Model::create(Shape{4}, {Layer::linear("fc", 5, 2)});
  EXPECT_TRUE(contains(lin.status(), "layer 'fc' (linear): per-sample input [4], expected [..., 5]"))
      << lin.status().message();

  Result<Model> conv = Model::create(Shape{3, 8, 8}, {Layer::conv2d("c1", 1, 4, {3, 3})});
  EXPECT_TRUE(contains(conv.status(), "layer 'c1' (conv2d): per-sample input [3, 8, 8], expected [1, H, W]"))
      << conv.status().message();

  Result<Model> big = Model::create(Shape{1, 2, 2}, {Layer::maxpool2d("p", {3, 3})});
  EXPECT_TRUE(contains(big.status(), "'p': window 3 is larger than the input length 2"))
      << big.status().message();

  Result<Model> drop = Model::create(Shape{4}, {Layer::dropout("d", 1.0f)});
  EXPECT_TRUE(contains(drop.status(), "must be in [0, 1)"));

  Result<Model> reshape = Model::create(Shape{6}, {Layer::reshape("r", Shape{4, -1})});
  EXPECT_TRUE(contains(reshape.status(), "cannot reshape [6] to [4, -1]")) << reshape.status().message();

  Result<Model> unnamed = Model::create(Shape{4}, {Layer::relu("")});
  EXPECT_TRUE(contains(unnamed.status(), "layer 0: a name"));

  EXPECT_FALSE(Model::create(Shape{4}, {}).ok());
  EXPECT_FALSE(Model::create(Shape{}, {Layer::relu("r")}).ok());
}

TEST(Model, ForwardRejectsAnInputOfTheWrongShape) {
  Result<Model> m = preset_model("digits-cnn");
  ASSERT_TRUE(m.ok());
  std::vector<float> x(2 * 64);
  Arena arena;
  Graph g(arena);
  Tensor y = m->forward(g, g.input(x.data(), Shape{2, 8, 8}));
  EXPECT_FALSE(y.valid());
  EXPECT_TRUE(contains(g.status(), "model input [2, 8, 8] does not match [N] + per-sample shape [1, 8, 8]"))
      << g.status().message();
  EXPECT_FALSE(m->output_shape(Shape{2, 1, 8, 9}).ok());
}

TEST(Model, UnknownPresetListsTheKnownOnes) {
  Result<Model> m = preset_model("resnet");
  EXPECT_EQ(m.status().code(), Code::kNotFound);
  EXPECT_TRUE(contains(m.status(), "unknown preset 'resnet' (presets: digits-cnn, hmm-gru)"));
}

TEST(Model, LayerKindNamesRoundTrip) {
  for (int k = 0; k < kOpKindCount; ++k) {
    const OpKind kind = static_cast<OpKind>(k);
    Result<OpKind> back = layer_kind_from_name(op_kind_name(kind));
    EXPECT_EQ(back.ok(), is_layer_kind(kind)) << op_kind_name(kind);
    if (back.ok()) {
      EXPECT_EQ(*back, kind);
    }
  }
  EXPECT_FALSE(layer_kind_from_name("add").ok());  // an op, not a layer
  Layer not_a_layer = Layer::relu("m");
  not_a_layer.type = OpKind::kMul;
  Result<Model> refused = Model::create(Shape{4}, {not_a_layer});
  EXPECT_TRUE(contains(refused.status(), "layer 'm': mul is not a layer type")) << refused.status().message();
  Result<OpKind> bad = layer_kind_from_name("lstm");
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
  EXPECT_TRUE(contains(bad.status(), "unknown layer type 'lstm'"));
}

TEST(Model, DropoutLayerIsIdentityAtInferenceAndSampledInTraining) {
  Result<Model> m = Model::create(Shape{1000}, {Layer::dropout("drop", 0.5f)});
  ASSERT_TRUE(m.ok());
  std::vector<float> x(1000, 1.0f);
  Arena arena;
  Graph eval(arena);
  Tensor ye = m->forward(eval, eval.input(x.data(), Shape{1, 1000}));
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(ye.data[i], 1.0f);
  Graph train(arena, GraphOptions{.training = true, .seed = 9});
  Tensor yt = m->forward(train, train.input(x.data(), Shape{1, 1000}));
  int kept = 0;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(yt.data[i] == 0.0f || yt.data[i] == 2.0f);
    kept += yt.data[i] != 0.0f;
  }
  // Binomial(1000, 0.5): σ ≈ 15.8; the bound is 5σ.
  EXPECT_NEAR(kept, 500, 80);
}

// The whole model's input gradient against central differences of its own float forward:
// a composition check (each op has its own double-precision gradcheck in tests/gradcheck).
// Smooth layers only (tanh, sigmoid, avg pools), so the difference quotient has no kink.
// h = 1e-2 in float: truncation ≈ h²·|f'''|/6 ≲ 2e-5 and rounding ≈ 6e-8·|f|/h ≲ 1e-5 for these
// unit-scale outputs, so |analytic − numeric| ≤ 1e-4 + 1e-3·|numeric| is a safe, meaningful bound.
TEST(Model, WholeModelGradientMatchesFiniteDifferences) {
  Result<Model> m = Model::create(
      Shape{2, 6, 6}, {Layer::conv2d("c1", 2, 3, {3, 3}, {1, 1}, {1, 1}), Layer::tanh("t1"),
                       Layer::avgpool2d("p1", {2, 2}), Layer::conv2d("c2", 3, 4, {2, 2}, {1, 1}),
                       Layer::sigmoid("s1"), Layer::flatten("f"), Layer::linear("fc", 16, 5),
                       Layer::log_softmax("ls")});
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(21);
  std::vector<float> x(2 * 2 * 36);
  Rng rng(4);
  for (float& v : x) v = rng.uniform(-1.0f, 1.0f);
  std::vector<float> c(2 * 5);
  for (float& v : c) v = rng.uniform(-1.0f, 1.0f);

  auto loss = [&](const std::vector<float>& input) {
    Arena arena;
    Graph g(arena, GraphOptions{.record = false});
    Tensor y = m->forward(g, g.input(input.data(), Shape{2, 2, 6, 6}));
    double l = 0;
    for (int i = 0; i < 10; ++i) l += double(c[i]) * y.data[i];
    return l;
  };
  Arena arena;
  Graph g(arena);
  Tensor xt = g.input(x.data(), Shape{2, 2, 6, 6}, true);
  Tensor y = m->forward(g, xt);
  ASSERT_TRUE(g.backward(y, c.data(), gradient_rules()).ok());
  const float* grad = g.grad(xt);
  const float h = 1e-2f;
  for (size_t i = 0; i < x.size(); ++i) {
    std::vector<float> xp = x, xm = x;
    xp[i] += h;
    xm[i] -= h;
    const double numeric = (loss(xp) - loss(xm)) / (double(xp[i]) - double(xm[i]));
    EXPECT_NEAR(grad[i], numeric, 1e-4 + 1e-3 * std::fabs(numeric)) << "input " << i;
  }
}

}  // namespace
}  // namespace salient
