// Model layers gru, batchnorm1d and batchnorm2d: PyTorch's parameter names, shapes and buffers,
// default initialisation, output shapes (the hmm-gru architecture among them), the running
// statistics (updated by forward_train in a training graph only), and validation errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "salient/arena.h"
#include "salient/model.h"
#include "salient/random.h"
#include "salient/rules.h"
#include "support/reference_ops.h"

namespace salient {
namespace {

bool contains(const Status& s, const char* part) {
  return std::string(s.message()).find(part) != std::string::npos;
}

struct Expected {
  const char* name;
  Shape shape;
  bool trainable;
};

void expect_parameters(const Model& m, const std::vector<Expected>& want) {
  const std::vector<Parameter>& p = m.parameters();
  ASSERT_EQ(p.size(), want.size());
  size_t offset = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].name);
    EXPECT_EQ(p[i].name, want[i].name);
    EXPECT_EQ(p[i].shape, want[i].shape) << ShapeStr(p[i].shape).c_str();
    EXPECT_EQ(p[i].trainable, want[i].trainable);
    EXPECT_EQ(p[i].offset, offset) << "parameters are stored back to back in state_dict order";
    EXPECT_EQ(m.parameter(want[i].name), m.parameter_data() + p[i].offset);
    offset += static_cast<size_t>(want[i].shape.numel());
  }
  EXPECT_EQ(m.parameter_count(), static_cast<int64_t>(offset));
}

// The hmm-gru architecture: per-sample input [T, 3] for any T.
Result<Model> hmm_gru() {
  return Model::create(Shape{0, 3}, {Layer::gru("gru", 3, 200, /*all_steps=*/true), Layer::batchnorm1d("bn", 200),
                                     Layer::relu("relu"), Layer::dropout("dropout", 0.5f),
                                     Layer::linear("fc", 200, 2)});
}

std::vector<float> uniform(int64_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v) e = rng.uniform(lo, hi);
  return v;
}

refops::Array to_array(const std::vector<float>& v, std::vector<int64_t> shape) {
  return refops::Array(std::move(shape), std::vector<double>(v.begin(), v.end()));
}

std::vector<float> copy_of(const Model& m, const char* name, int64_t n) {
  const float* p = m.parameter(name);
  return p ? std::vector<float>(p, p + n) : std::vector<float>();
}

// ---- parameters --------------------------------------------------------------------------------

TEST(ModelLayers, GruParametersFollowPyTorch) {
  Result<Model> m = Model::create(Shape{0, 3}, {Layer::gru("rnn", 3, 5, true)});
  ASSERT_TRUE(m.ok()) << m.status().message();
  expect_parameters(*m, {{"rnn.weight_ih_l0", Shape{15, 3}, true},
                         {"rnn.weight_hh_l0", Shape{15, 5}, true},
                         {"rnn.bias_ih_l0", Shape{15}, true},
                         {"rnn.bias_hh_l0", Shape{15}, true}});
  EXPECT_EQ(m->parameter_count(), 45 + 75 + 15 + 15);
  EXPECT_EQ(m->parameter("rnn.weight_ih"), nullptr) << "PyTorch's names carry the _l0 suffix";

  Result<Model> no_bias = Model::create(Shape{0, 3}, {Layer::gru("rnn", 3, 5, false, /*bias=*/false)});
  ASSERT_TRUE(no_bias.ok()) << no_bias.status().message();
  expect_parameters(*no_bias, {{"rnn.weight_ih_l0", Shape{15, 3}, true}, {"rnn.weight_hh_l0", Shape{15, 5}, true}});
}

TEST(ModelLayers, HmmGruParameters) {
  Result<Model> m = hmm_gru();
  ASSERT_TRUE(m.ok()) << m.status().message();
  expect_parameters(*m, {{"gru.weight_ih_l0", Shape{600, 3}, true},
                         {"gru.weight_hh_l0", Shape{600, 200}, true},
                         {"gru.bias_ih_l0", Shape{600}, true},
                         {"gru.bias_hh_l0", Shape{600}, true},
                         {"bn.weight", Shape{200}, true},
                         {"bn.bias", Shape{200}, true},
                         {"bn.running_mean", Shape{200}, false},
                         {"bn.running_var", Shape{200}, false},
                         {"fc.weight", Shape{2, 200}, true},
                         {"fc.bias", Shape{2}, true}});
}

TEST(ModelLayers, BatchNormParametersFollowPyTorch) {
  Result<Model> m1 = Model::create(Shape{0, 6}, {Layer::batchnorm1d("norm", 6)});
  ASSERT_TRUE(m1.ok()) << m1.status().message();
  expect_parameters(*m1, {{"norm.weight", Shape{6}, true},
                          {"norm.bias", Shape{6}, true},
                          {"norm.running_mean", Shape{6}, false},
                          {"norm.running_var", Shape{6}, false}});
  Result<Model> m2 = Model::create(Shape{3, 4, 4}, {Layer::conv2d("conv", 3, 8, {3, 3}, {1, 1}, {1, 1}),
                                                    Layer::batchnorm2d("bn2", 8)});
  ASSERT_TRUE(m2.ok()) << m2.status().message();
  expect_parameters(*m2, {{"conv.weight", Shape{8, 3, 3, 3}, true},
                          {"conv.bias", Shape{8}, true},
                          {"bn2.weight", Shape{8}, true},
                          {"bn2.bias", Shape{8}, true},
                          {"bn2.running_mean", Shape{8}, false},
                          {"bn2.running_var", Shape{8}, false}});
  const Layer* l = m2->layer("bn2");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->type, OpKind::kBatchNorm2d);
  EXPECT_EQ(l->num_features, 8);
  EXPECT_FLOAT_EQ(l->eps, 1e-5f);  // PyTorch's defaults
  EXPECT_FLOAT_EQ(l->momentum, 0.1f);
}

// ---- default initialisation --------------------------------------------------------------------------

TEST(ModelLayers, DefaultInitFollowsPyTorch) {
  Result<Model> m = hmm_gru();
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(7);
  // Every GRU parameter from U(−1/√H, 1/√H), H = 200.
  const double bound = 1.0 / std::sqrt(200.0);
  for (const char* name : {"gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0"}) {
    SCOPED_TRACE(name);
    const Parameter* info = nullptr;
    for (const Parameter& q : m->parameters())
      if (q.name == name) info = &q;
    ASSERT_NE(info, nullptr);
    const float* p = m->parameter(name);
    const int64_t n = info->shape.numel();
    double max_abs = 0.0, sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      max_abs = std::fabs(p[i]) > max_abs ? std::fabs(p[i]) : max_abs;
      sum += p[i];
    }
    EXPECT_LE(max_abs, bound * (1.0 + 1e-6));
    // n >= 600 draws: the largest |value| exceeds 0.95·bound unless P = 0.95^600 ≈ 4e-14.
    EXPECT_GT(max_abs, 0.95 * bound);
    // The mean of n uniform draws has standard deviation bound/√(3n); allow 6 of them.
    EXPECT_LT(std::fabs(sum / static_cast<double>(n)), 6.0 * bound / std::sqrt(3.0 * static_cast<double>(n)));
  }
  // batchnorm: weight 1, bias 0, running mean 0, running var 1.
  EXPECT_EQ(copy_of(*m, "bn.weight", 200), std::vector<float>(200, 1.0f));
  EXPECT_EQ(copy_of(*m, "bn.bias", 200), std::vector<float>(200, 0.0f));
  EXPECT_EQ(copy_of(*m, "bn.running_mean", 200), std::vector<float>(200, 0.0f));
  EXPECT_EQ(copy_of(*m, "bn.running_var", 200), std::vector<float>(200, 1.0f));
  // The linear layer keeps its own bound 1/√in_features (not the GRU's).
  const float* fc = m->parameter("fc.weight");
  for (int i = 0; i < 400; ++i) EXPECT_LE(std::fabs(fc[i]), 1.0 / std::sqrt(200.0) * (1.0 + 1e-6));

  // Reproducible from the seed.
  Result<Model> again = hmm_gru();
  ASSERT_TRUE(again.ok());
  again->init_default(7);
  EXPECT_EQ(std::memcmp(again->parameter_data(), m->parameter_data(),
                        static_cast<size_t>(m->parameter_count()) * sizeof(float)),
            0);
}

TEST(ModelLayers, BatchNorm2dDefaultInit) {
  Result<Model> m = Model::create(Shape{4, 3, 3}, {Layer::batchnorm2d("bn", 4)});
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(1);
  EXPECT_EQ(copy_of(*m, "bn.weight", 4), std::vector<float>(4, 1.0f));
  EXPECT_EQ(copy_of(*m, "bn.bias", 4), std::vector<float>(4, 0.0f));
  EXPECT_EQ(copy_of(*m, "bn.running_mean", 4), std::vector<float>(4, 0.0f));
  EXPECT_EQ(copy_of(*m, "bn.running_var", 4), std::vector<float>(4, 1.0f));
}

// ---- output shapes -----------------------------------------------------------------------------------

TEST(ModelLayers, HmmGruOutputIsPerStepForAnyLength) {
  Result<Model> m = hmm_gru();
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(11);
  for (int64_t n : {1, 2}) {
    for (int64_t t : {1, 4, 9}) {
      SCOPED_TRACE("N=" + std::to_string(n) + " T=" + std::to_string(t));
      Result<Shape> out = m->output_shape(Shape{n, t, 3});
      ASSERT_TRUE(out.ok()) << out.status().message();
      EXPECT_EQ(*out, (Shape{n, t, 2}));
      const std::vector<float> x = uniform(n * t * 3, static_cast<uint64_t>(100 * n + t));
      for (bool training : {false, true}) {
        if (training && n * t < 2) continue;  // batch statistics need two values per feature
        Arena arena;
        Graph g(arena, GraphOptions{.training = training, .seed = 3});
        const Tensor y = m->forward(g, g.input(x.data(), Shape{n, t, 3}));
        ASSERT_TRUE(g.ok()) << g.status().message();
        EXPECT_EQ(y.shape, (Shape{n, t, 2}));
        for (int64_t i = 0; i < y.numel(); ++i) ASSERT_TRUE(std::isfinite(y.data[i])) << i;
      }
    }
  }
  // The wrong feature count is an input error.
  EXPECT_FALSE(m->output_shape(Shape{2, 5, 4}).ok());
}

TEST(ModelLayers, GruLastStepAndBatchNorm2dShapes) {
  Result<Model> m = Model::create(Shape{0, 3}, {Layer::gru("gru", 3, 4, /*all_steps=*/false),
                                                Layer::batchnorm1d("bn", 4), Layer::linear("fc", 4, 2)});
  ASSERT_TRUE(m.ok()) << m.status().message();
  Result<Shape> out = m->output_shape(Shape{5, 7, 3});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, (Shape{5, 2}));

  Result<Model> c = Model::create(Shape{2, 5, 5}, {Layer::conv2d("conv", 2, 3, {3, 3}), Layer::batchnorm2d("bn", 3),
                                                   Layer::relu("relu")});
  ASSERT_TRUE(c.ok()) << c.status().message();
  Result<Shape> image_out = c->output_shape(Shape{4, 2, 5, 5});
  ASSERT_TRUE(image_out.ok()) << image_out.status().message();
  EXPECT_EQ(*image_out, (Shape{4, 3, 3, 3}));
}

// ---- running statistics --------------------------------------------------------------------------------

// Bound for the float running averages: the framework's 1e-5·(1 + |value|) (a few float roundings).
void expect_running(const float* got, const std::vector<double>& want, const char* what) {
  for (size_t k = 0; k < want.size(); ++k)
    EXPECT_LE(std::fabs(got[k] - want[k]), 1e-5 * (1.0 + std::fabs(want[k])))
        << what << "[" << k << "]: " << got[k] << " vs " << want[k];
}

// PyTorch: r ← (1 − m)·r + m·s, with the batch mean and the unbiased batch variance.
void advance(std::vector<double>* mean, std::vector<double>* var, const refops::BatchStats& s, double m) {
  const double unbias = static_cast<double>(s.count) / static_cast<double>(s.count - 1);
  for (size_t k = 0; k < mean->size(); ++k) {
    (*mean)[k] = (1.0 - m) * (*mean)[k] + m * s.mean[k];
    (*var)[k] = (1.0 - m) * (*var)[k] + m * s.var[k] * unbias;
  }
}

TEST(ModelLayers, ForwardTrainUpdatesBatchNorm1dRunningStatistics) {
  Result<Model> m = Model::create(Shape{3}, {Layer::batchnorm1d("bn", 3, 1e-5f, 0.25f)});
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(0);
  std::vector<double> mean(3, 0.0), var(3, 1.0);
  for (int step = 0; step < 3; ++step) {  // the averages compound over batches
    SCOPED_TRACE(step);
    const std::vector<float> x = uniform(4 * 3, 900 + step, -2.0f, 3.0f);
    Arena arena;
    Graph g(arena, GraphOptions{.training = true});
    const Tensor y = m->forward_train(g, g.input(x.data(), Shape{4, 3}));
    ASSERT_TRUE(g.ok()) << g.status().message();
    ASSERT_TRUE(y.valid());
    advance(&mean, &var, refops::batch_stats_1d(to_array(x, {4, 3})), 0.25f);
    expect_running(m->parameter("bn.running_mean"), mean, "running_mean");
    expect_running(m->parameter("bn.running_var"), var, "running_var");
  }
}


TEST(ModelLayers, ForwardTrainUpdatesBatchNorm2dRunningStatistics) {
  Result<Model> m = Model::create(Shape{2, 3, 3}, {Layer::batchnorm2d("bn", 2)});  // momentum 0.1
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(0);
  std::vector<double> mean(2, 0.0), var(2, 1.0);
  for (int step = 0; step < 2; ++step) {
    SCOPED_TRACE(step);
    const std::vector<float> x = uniform(2 * 2 * 9, 910 + step, -1.0f, 2.0f);
    Arena arena;
    Graph g(arena, GraphOptions{.training = true});
    const Tensor y = m->forward_train(g, g.input(x.data(), Shape{2, 2, 3, 3}));
    ASSERT_TRUE(g.ok()) << g.status().message();
    ASSERT_TRUE(y.valid());
    advance(&mean, &var, refops::batch_stats_2d(to_array(x, {2, 2, 3, 3})), 0.1f);
    expect_running(m->parameter("bn.running_mean"), mean, "running_mean");
    expect_running(m->parameter("bn.running_var"), var, "running_var");
  }
}

// In the hmm-gru model: forward_train in a training graph moves bn's running statistics by the
// statistics of the GRU output it normalised; forward (const) in a training graph computes the
// same output (same dropout seed) but leaves them alone, and so does forward_train in an
// evaluation graph.
TEST(ModelLayers, OnlyForwardTrainInATrainingGraphUpdatesRunningStatistics) {
  Result<Model> m = hmm_gru();
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(13);
  const int64_t n = 2, t = 6;
  const std::vector<float> x = uniform(n * t * 3, 920);
  const std::vector<float> mean0 = copy_of(*m, "bn.running_mean", 200);
  const std::vector<float> var0 = copy_of(*m, "bn.running_var", 200);
  const std::vector<float> all0(m->parameter_data(), m->parameter_data() + m->parameter_count());

  // forward (const), training graph: batch statistics, nothing written.
  std::vector<float> out_forward;
  {
    Arena arena;
    Graph g(arena, GraphOptions{.training = true, .seed = 5});
    const Model& cm = *m;
    const Tensor y = cm.forward(g, g.input(x.data(), Shape{n, t, 3}));
    ASSERT_TRUE(g.ok()) << g.status().message();
    out_forward.assign(y.data, y.data + y.numel());
    EXPECT_EQ(std::memcmp(m->parameter_data(), all0.data(), all0.size() * sizeof(float)), 0)
        << "Model::forward must not modify the model";
  }
  // forward_train, evaluation graph: running statistics used, nothing written.
  {
    Arena arena;
    Graph g(arena, GraphOptions{.training = false});
    const Tensor y = m->forward_train(g, g.input(x.data(), Shape{n, t, 3}));
    ASSERT_TRUE(g.ok()) << g.status().message();
    EXPECT_EQ(std::memcmp(m->parameter_data(), all0.data(), all0.size() * sizeof(float)), 0)
        << "no update outside training";
    ASSERT_TRUE(y.valid());
  }
  // forward_train, training graph: the same output as forward, and the update.
  Arena arena;
  Graph g(arena, GraphOptions{.training = true, .seed = 5});
  const Tensor y = m->forward_train(g, g.input(x.data(), Shape{n, t, 3}));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(std::vector<float>(y.data, y.data + y.numel()), out_forward)
      << "the update must not change what the batch is normalised with";
  const Node* bn = nullptr;
  for (int32_t i = 0; i < g.node_count(); ++i)
    if (g.node(i).kind == OpKind::kBatchNorm1d) bn = &g.node(i);
  ASSERT_NE(bn, nullptr);
  EXPECT_STREQ(g.layer_name(bn->layer), "bn");
  const Value& in = g.value(bn->in[0]);
  ASSERT_EQ(in.shape, (Shape{n, t, 200}));
  const std::vector<float> bn_input(in.data, in.data + in.shape.numel());
  std::vector<double> mean(mean0.begin(), mean0.end()), var(var0.begin(), var0.end());
  advance(&mean, &var, refops::batch_stats_1d(to_array(bn_input, {n, t, 200})), 0.1f);
  expect_running(m->parameter("bn.running_mean"), mean, "running_mean");
  expect_running(m->parameter("bn.running_var"), var, "running_var");
  EXPECT_NE(copy_of(*m, "bn.running_var", 200), var0);
  // Everything but the running statistics is untouched.
  for (const Parameter& p : m->parameters()) {
    if (!p.trainable) continue;
    EXPECT_EQ(std::memcmp(m->parameter_data() + p.offset, all0.data() + p.offset,
                          static_cast<size_t>(p.shape.numel()) * sizeof(float)),
              0)
        << p.name;
  }
}

// An evaluation graph normalises with the running statistics: bn alone equals the affine map.
TEST(ModelLayers, EvaluationUsesRunningStatistics) {
  Result<Model> m = Model::create(Shape{0, 3}, {Layer::batchnorm1d("bn", 3, 0.01f)});
  ASSERT_TRUE(m.ok()) << m.status().message();
  const float gamma[3] = {0.5f, 2.0f, -1.0f}, beta[3] = {0.25f, -1.0f, 0.0f};
  const float rmean[3] = {0.1f, -0.3f, 2.0f}, rvar[3] = {0.5f, 4.0f, 1.5f};
  std::memcpy(m->parameter("bn.weight"), gamma, sizeof gamma);
  std::memcpy(m->parameter("bn.bias"), beta, sizeof beta);
  std::memcpy(m->parameter("bn.running_mean"), rmean, sizeof rmean);
  std::memcpy(m->parameter("bn.running_var"), rvar, sizeof rvar);
  const std::vector<float> x = uniform(2 * 4 * 3, 930, -2.0f, 2.0f);
  Arena arena;
  Graph g(arena);
  const Tensor y = m->forward(g, g.input(x.data(), Shape{2, 4, 3}));
  ASSERT_TRUE(g.ok()) << g.status().message();
  for (int64_t i = 0; i < y.numel(); ++i) {
    const int k = static_cast<int>(i % 3);
    const double want = gamma[k] * (x[i] - static_cast<double>(rmean[k])) / std::sqrt(rvar[k] + 0.01) + beta[k];
    EXPECT_NEAR(y.data[i], want, 1e-5 * (1.0 + std::fabs(want))) << i;
  }
}

// With parameter gradients on, backward reaches every trainable parameter and no buffer.
TEST(ModelLayers, GradientsReachTrainableParametersOnly) {
  Result<Model> m = Model::create(Shape{0, 3}, {Layer::gru("gru", 3, 8, true), Layer::batchnorm1d("bn", 8),
                                                Layer::relu("relu"), Layer::linear("fc", 8, 2)});
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(17);
  const std::vector<float> x = uniform(2 * 5 * 3, 940);
  Arena arena;
  Graph g(arena, GraphOptions{.training = true, .param_grads = true});
  std::vector<Tensor> params(m->parameters().size());
  const Tensor y = m->forward_train(g, g.input(x.data(), Shape{2, 5, 3}), params.data());
  ASSERT_TRUE(g.ok()) << g.status().message();
  ASSERT_TRUE(g.backward(y, nullptr, gradient_rules()).ok());
  for (size_t i = 0; i < params.size(); ++i) {
    const Parameter& p = m->parameters()[i];
    SCOPED_TRACE(p.name);
    ASSERT_TRUE(params[i].valid());
    const float* grad = g.grad(params[i]);
    if (!p.trainable) {
      EXPECT_EQ(grad, nullptr) << "running statistics are buffers, not inputs of the graph";
      continue;
    }
    ASSERT_NE(grad, nullptr);
    double norm = 0.0;
    for (int64_t j = 0; j < p.shape.numel(); ++j) {
      ASSERT_TRUE(std::isfinite(grad[j]));
      norm += std::fabs(grad[j]);
    }
    EXPECT_GT(norm, 0.0);
  }
}

// A training graph with one value per feature cannot estimate a variance: the model's forward
// fails (with the op's name) instead of producing NaN.
TEST(ModelLayers, TrainingOnOneValuePerFeatureIsAnError) {
  Result<Model> m = hmm_gru();
  ASSERT_TRUE(m.ok()) << m.status().message();
  const std::vector<float> x(3, 0.5f);
  Arena arena;
  Graph g(arena, GraphOptions{.training = true});
  const Tensor y = m->forward_train(g, g.input(x.data(), Shape{1, 1, 3}));
  EXPECT_FALSE(y.valid());
  EXPECT_EQ(g.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(contains(g.status(), "batchnorm1d")) << g.status().message();
}

// ---- validation ----------------------------------------------------------------------------------------

TEST(ModelLayers, ValidationErrorsNameTheLayer) {
  struct Case {
    const char* what;
    Shape input;
    std::vector<Layer> layers;
    const char* layer;  // the name the message must carry
  };
  const float nan = std::nanf("");
  const Case cases[] = {
      {"gru input_size mismatch", Shape{0, 3}, {Layer::gru("rnn1", 4, 8, true)}, "rnn1"},
      {"gru after gru, input_size mismatch", Shape{0, 3},
       {Layer::gru("rnn1", 3, 8, true), Layer::gru("rnn2", 7, 4, true)}, "rnn2"},
      {"gru after a last-step gru (no time axis)", Shape{0, 3},
       {Layer::gru("rnn1", 3, 8, false), Layer::gru("rnn2", 8, 4, true)}, "rnn2"},
      {"gru on per-sample rank 1", Shape{3}, {Layer::gru("rnn1", 3, 8, true)}, "rnn1"},
      {"gru on per-sample rank 3", Shape{2, 0, 3}, {Layer::gru("rnn1", 3, 8, true)}, "rnn1"},
      {"gru hidden_size 0", Shape{0, 3}, {Layer::gru("rnn1", 3, 0, true)}, "rnn1"},
      {"gru input_size 0", Shape{0, 3}, {Layer::gru("rnn1", 0, 4, true)}, "rnn1"},
      {"batchnorm1d num_features mismatch", Shape{0, 3},
       {Layer::gru("rnn1", 3, 8, true), Layer::batchnorm1d("norm", 7)}, "norm"},
      {"batchnorm1d on [C, L] features (last dim)", Shape{4, 10}, {Layer::batchnorm1d("norm", 4)}, "norm"},
      {"batchnorm1d num_features 0", Shape{0, 3}, {Layer::batchnorm1d("norm", 0)}, "norm"},
      {"batchnorm1d eps 0", Shape{0, 3}, {Layer::batchnorm1d("norm", 3, 0.0f)}, "norm"},
      {"batchnorm1d eps < 0", Shape{0, 3}, {Layer::batchnorm1d("norm", 3, -1e-5f)}, "norm"},
      {"batchnorm1d eps NaN", Shape{0, 3}, {Layer::batchnorm1d("norm", 3, nan)}, "norm"},
      {"batchnorm1d momentum > 1", Shape{0, 3}, {Layer::batchnorm1d("norm", 3, 1e-5f, 1.5f)}, "norm"},
      {"batchnorm1d momentum < 0", Shape{0, 3}, {Layer::batchnorm1d("norm", 3, 1e-5f, -0.1f)}, "norm"},
      {"batchnorm2d channel mismatch", Shape{3, 4, 4}, {Layer::batchnorm2d("norm2", 4)}, "norm2"},
      {"batchnorm2d on per-sample rank 2", Shape{3, 4}, {Layer::batchnorm2d("norm2", 3)}, "norm2"},
      {"batchnorm2d eps 0", Shape{3, 4, 4}, {Layer::batchnorm2d("norm2", 3, 0.0f)}, "norm2"},
      {"batchnorm2d after conv, channel mismatch", Shape{1, 5, 5},
       {Layer::conv2d("conv", 1, 6, {3, 3}), Layer::batchnorm2d("norm2", 5)}, "norm2"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Result<Model> m = Model::create(c.input, c.layers);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), Code::kInvalidArgument) << m.status().message();
    EXPECT_TRUE(contains(m.status(), c.layer)) << m.status().message();
  }
  // The boundaries that are valid: momentum 0 and 1, a tiny positive eps.
  EXPECT_TRUE(Model::create(Shape{0, 3}, {Layer::batchnorm1d("norm", 3, 1e-12f, 0.0f)}).ok());
  EXPECT_TRUE(Model::create(Shape{0, 3}, {Layer::batchnorm1d("norm", 3, 1e-5f, 1.0f)}).ok());
}

// The model's forward rejects a sequence with the wrong feature count (the op would too).
TEST(ModelLayers, ForwardRejectsWrongFeatureCount) {
  Result<Model> m = hmm_gru();
  ASSERT_TRUE(m.ok()) << m.status().message();
  const std::vector<float> x(2 * 5 * 4, 0.5f);
  Arena arena;
  Graph g(arena);
  const Tensor y = m->forward(g, g.input(x.data(), Shape{2, 5, 4}));
  EXPECT_FALSE(y.valid());
  EXPECT_EQ(g.status().code(), Code::kInvalidArgument) << g.status().message();
}

}  // namespace
}  // namespace salient
