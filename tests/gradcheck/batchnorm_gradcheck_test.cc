// Gradient checks of batchnorm1d (features = the last dim of any-rank input) and batchnorm2d
// (channels of N×C×H×W) against the double references: in training graphs with the batch's
// statistics (the gradient then flows through μ and σ² as well), in evaluation graphs with given
// running statistics (a per-feature affine map). Also the running-average update (PyTorch's rule:
// r ← (1 − m)·r + m·s, the variance unbiased by M/(M − 1)), the saved per-feature data, and errors.
//
// Data: x uniform in [−1, 1) (σ² ≈ 1/3, so invstd ≈ 1.7), γ in [0.5, 1.5) and β in [−1, 1).
// Tolerance: the framework's 1e-5·(1 + max|reference|) everywhere. The engine's statistics and
// backward sums are accumulated in double; the float32 parts are one affine map per element
// forward and one fused expression per element backward, a handful of roundings of O(1) values.
// The running averages are a few float operations ((1 − m)·r + m·s, and s·M/(M − 1)) and use the
// same bound; the test asserts that the unbiasing it checks (m·σ²/(M − 1), M <= 9 there) exceeds
// 10× that bound, so the biased variance could not pass. Measured worst error over the gradient
// checks: 13% of the bound (M = 2, where x − μ cancels), otherwise below 1%.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "salient/arena.h"
#include "salient/ops.h"
#include "salient/rules.h"
#include "support/gradcheck.h"
#include "support/reference_ops.h"

namespace salient {
namespace {

using gradcheck::Input;
using refops::Array;

constexpr double kTol = 1e-5;  // the framework's bound, see support/gradcheck.h

// x uniform in [−1, 1), weight (γ) in [0.5, 1.5), bias (β) in [−1, 1).
std::vector<Input> bn_inputs(const Shape& x_shape, int c, uint64_t seed) {
  Rng rng(seed);
  return {gradcheck::RandomInput("x", x_shape, rng), Input{"weight", Shape{c}, gradcheck::Uniform(rng, c, 0.5f, 1.5f)},
          gradcheck::RandomInput("bias", Shape{c}, rng)};
}

// Running statistics: mean in [−0.5, 0.5), variance in [0.5, 2).
struct Running {
  std::vector<float> mean, var;
};
Running running_stats(int c, uint64_t seed) {
  Rng rng(seed);
  Running r;
  r.mean = gradcheck::Uniform(rng, c, -0.5f, 0.5f);
  r.var = gradcheck::Uniform(rng, c, 0.5f, 2.0f);
  return r;
}

Array as_array(const std::vector<float>& v) {
  return gradcheck::ToArray(v.data(), Shape{static_cast<int64_t>(v.size())});
}

bool two_d_of(OpKind kind) { return kind == OpKind::kBatchNorm2d; }

Tensor run_bn(Graph& graph, OpKind kind, const Tensor& x, const Tensor& w, const Tensor& b,
              const BatchNormState& state) {
  return two_d_of(kind) ? batchnorm2d(graph, x, w, b, state) : batchnorm1d(graph, x, w, b, state);
}

::testing::AssertionResult check_training(OpKind kind, const Shape& x_shape, uint64_t seed, float eps = 1e-5f) {
  const int c = static_cast<int>(two_d_of(kind) ? x_shape[1] : x_shape.back());
  const Running r = running_stats(c, seed + 1);
  gradcheck::Options options;
  options.graph.training = true;
  return gradcheck::Check(
      bn_inputs(x_shape, c, seed),
      [&r, kind, eps](Graph& graph, const std::vector<Tensor>& t) {
        const BatchNormState state{r.mean.data(), r.var.data(), eps, 0.1f, nullptr, nullptr};
        return run_bn(graph, kind, t[0], t[1], t[2], state);
      },
      [kind, eps](const std::vector<Array>& a) {
        return two_d_of(kind) ? refops::batchnorm2d_train(a[0], a[1], a[2], eps)
                              : refops::batchnorm1d_train(a[0], a[1], a[2], eps);
      },
      options);
}

::testing::AssertionResult check_eval(OpKind kind, const Shape& x_shape, uint64_t seed, float eps = 1e-5f) {
  const int c = static_cast<int>(two_d_of(kind) ? x_shape[1] : x_shape.back());
  const Running r = running_stats(c, seed + 1);
  const Array rm = as_array(r.mean), rv = as_array(r.var);
  return gradcheck::Check(
      bn_inputs(x_shape, c, seed),  // options.graph.training = false: evaluation
      [&r, kind, eps](Graph& graph, const std::vector<Tensor>& t) {
        const BatchNormState state{r.mean.data(), r.var.data(), eps, 0.1f, nullptr, nullptr};
        return run_bn(graph, kind, t[0], t[1], t[2], state);
      },
      [kind, eps, &rm, &rv](const std::vector<Array>& a) {
        return two_d_of(kind) ? refops::batchnorm2d_eval(a[0], a[1], a[2], rm, rv, eps)
                              : refops::batchnorm1d_eval(a[0], a[1], a[2], rm, rv, eps);
      });
}

const Node* producer(const Graph& graph, int32_t id) {
  for (int32_t i = 0; i < graph.node_count(); ++i)
    if (graph.node(i).out == id) return &graph.node(i);
  return nullptr;
}

void expect_close(const char* what, double got, double want) {
  EXPECT_LE(std::fabs(got - want), kTol * (1.0 + std::fabs(want))) << what << ": engine " << got
                                                                     << ", reference " << want;
}

// ---- training: batch statistics ------------------------------------------------------------------

TEST(GradcheckBatchNorm1d, TrainingOnBatchOfVectors) {
  EXPECT_TRUE(check_training(OpKind::kBatchNorm1d, Shape{6, 4}, 701));
}

TEST(GradcheckBatchNorm1d, TrainingOnSequences) {
  // [N, T, C]: statistics over the N·T = 15 positions of each feature.
  EXPECT_TRUE(check_training(OpKind::kBatchNorm1d, Shape{3, 5, 4}, 702));
}

TEST(GradcheckBatchNorm1d, TrainingOnRankFourInput) {
  EXPECT_TRUE(check_training(OpKind::kBatchNorm1d, Shape{2, 2, 3, 3}, 703));
}

// M = 2 values per feature: x̂ = ±√(σ²/(σ² + eps)), the smallest batch training allows.
TEST(GradcheckBatchNorm1d, TrainingOnTwoRows) {
  EXPECT_TRUE(check_training(OpKind::kBatchNorm1d, Shape{2, 5}, 704));
}

// A large eps makes the placement of eps (inside the square root, added to σ²) visible.
TEST(GradcheckBatchNorm1d, TrainingWithLargeEps) {
  EXPECT_TRUE(check_training(OpKind::kBatchNorm1d, Shape{5, 3}, 705, 0.5f));
}

// A constant feature (σ² = 0): y = β exactly, and the gradient is γ/√eps·(gy − mean gy), large
// but finite; central differences of size 1e-6 keep σ² ~ 1e-12 << eps (the map stays linear).
TEST(GradcheckBatchNorm1d, TrainingWithConstantFeature) {
  std::vector<Input> in = bn_inputs(Shape{4, 3}, 3, 706);
  for (int r = 0; r < 4; ++r) in[0].data[static_cast<size_t>(r) * 3 + 1] = 0.375f;
  gradcheck::Options options;
  options.graph.training = true;
  const Running rs = running_stats(3, 707);
  EXPECT_TRUE(gradcheck::Check(
      in,
      [&rs](Graph& graph, const std::vector<Tensor>& t) {
        return batchnorm1d(graph, t[0], t[1], t[2],
                           BatchNormState{rs.mean.data(), rs.var.data(), 1e-5f, 0.1f, nullptr, nullptr});
      },
      [](const std::vector<Array>& a) { return refops::batchnorm1d_train(a[0], a[1], a[2], 1e-5f); },
      options));
}

TEST(GradcheckBatchNorm2d, Training) {
  // Statistics per channel over N·H·W = 3·3·4 = 36 values.
  EXPECT_TRUE(check_training(OpKind::kBatchNorm2d, Shape{3, 2, 3, 4}, 711));
}

TEST(GradcheckBatchNorm2d, TrainingSingleSampleSeveralPositions) {
  EXPECT_TRUE(check_training(OpKind::kBatchNorm2d, Shape{1, 3, 2, 2}, 712));
}

TEST(GradcheckBatchNorm2d, TrainingWithLargeEps) {
  EXPECT_TRUE(check_training(OpKind::kBatchNorm2d, Shape{2, 3, 2, 3}, 713, 0.25f));
}

// ---- evaluation: running statistics --------------------------------------------------------------

TEST(GradcheckBatchNorm1d, EvalUsesRunningStatistics) {
  EXPECT_TRUE(check_eval(OpKind::kBatchNorm1d, Shape{5, 4}, 721));
  EXPECT_TRUE(check_eval(OpKind::kBatchNorm1d, Shape{2, 3, 4}, 722, 0.5f));
}

// One row is fine in evaluation: nothing is estimated from the batch.
TEST(GradcheckBatchNorm1d, EvalOnSingleRow) {
  EXPECT_TRUE(check_eval(OpKind::kBatchNorm1d, Shape{1, 4}, 723));
}

TEST(GradcheckBatchNorm2d, EvalUsesRunningStatistics) {
  EXPECT_TRUE(check_eval(OpKind::kBatchNorm2d, Shape{2, 3, 2, 3}, 731));
  EXPECT_TRUE(check_eval(OpKind::kBatchNorm2d, Shape{1, 2, 1, 1}, 732, 0.25f));
}

// By hand: one feature, x = (1, 3), γ = 2, β = 0.5, eps = 1: μ = 2, σ² = 1 (biased), so
// y = 2·(∓1)/√2 + 0.5 = 0.5 ∓ √2; with running statistics μ = 1, σ² = 3: y = 2·(0, 2)/2 + 0.5.
TEST(GradcheckBatchNorm1d, HandComputedValues) {
  const std::vector<float> x = {1, 3}, gamma = {2}, beta = {0.5f}, rmean = {1}, rvar = {3};
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    const double want[2] = {training ? 0.5 - std::sqrt(2.0) : 0.5, training ? 0.5 + std::sqrt(2.0) : 2.5};
    Arena arena;
    Graph graph(arena, GraphOptions{.training = training});
    const Tensor y = batchnorm1d(graph, graph.input(x.data(), Shape{2, 1}), graph.input(gamma.data(), Shape{1}),
                                 graph.input(beta.data(), Shape{1}),
                                 BatchNormState{rmean.data(), rvar.data(), 1.0f, 0.1f, nullptr, nullptr});
    ASSERT_TRUE(graph.ok()) << graph.status().message();
    const Array xa = as_array(x), ga = as_array(gamma), ba = as_array(beta);
    const Array ref = training ? refops::batchnorm1d_train(refops::reshape(xa, {2, 1}), ga, ba, 1.0)
                               : refops::batchnorm1d_eval(refops::reshape(xa, {2, 1}), ga, ba, as_array(rmean),
                                                          as_array(rvar), 1.0);
    for (int i = 0; i < 2; ++i) {
      expect_close("engine", y.data[i], want[i]);
      EXPECT_NEAR(ref.data[i], want[i], 1e-12) << i;
    }
  }
}

// ---- running averages ------------------------------------------------------------------------------

struct UpdateCase {
  const char* what;
  OpKind kind;
  Shape x;
  float momentum;
  bool in_place;  // update_mean/update_var alias running_mean/running_var (as Model::forward_train)
};

TEST(GradcheckBatchNorm, RunningAverageUpdateFollowsPyTorch) {
  const UpdateCase cases[] = {
      {"1d [4, 3], m = 0.1", OpKind::kBatchNorm1d, Shape{4, 3}, 0.1f, false},
      {"1d [2, 3, 3], m = 0.3, in place", OpKind::kBatchNorm1d, Shape{2, 3, 3}, 0.3f, true},
      {"1d [2, 5], m = 1", OpKind::kBatchNorm1d, Shape{2, 5}, 1.0f, false},
      {"2d [2, 3, 2, 2], m = 0.1, in place", OpKind::kBatchNorm2d, Shape{2, 3, 2, 2}, 0.1f, true},
      {"2d [1, 2, 3, 3], m = 0.25", OpKind::kBatchNorm2d, Shape{1, 2, 3, 3}, 0.25f, false},
  };
  uint64_t seed = 741;
  for (const UpdateCase& uc : cases) {
    SCOPED_TRACE(uc.what);
    const bool two_d = two_d_of(uc.kind);
    const int c = static_cast<int>(two_d ? uc.x[1] : uc.x.back());
    const std::vector<Input> in = bn_inputs(uc.x, c, seed++);
    Running r = running_stats(c, seed++);
    const Running before = r;
    std::vector<float> out_mean(static_cast<size_t>(c), -7.0f), out_var(static_cast<size_t>(c), -7.0f);
    float* update_mean = uc.in_place ? r.mean.data() : out_mean.data();
    float* update_var = uc.in_place ? r.var.data() : out_var.data();

    Arena arena;
    Graph graph(arena, GraphOptions{.training = true});
    const Tensor x = graph.input(in[0].data.data(), in[0].shape);
    const Tensor w = graph.input(in[1].data.data(), in[1].shape);
    const Tensor b = graph.input(in[2].data.data(), in[2].shape);
    const BatchNormState state{r.mean.data(), r.var.data(), 1e-5f, uc.momentum, update_mean, update_var};
    const Tensor y = run_bn(graph, uc.kind, x, w, b, state);
    ASSERT_TRUE(graph.ok()) << graph.status().message();
    ASSERT_TRUE(y.valid());

    const Array xa = gradcheck::ToArray(in[0].data.data(), in[0].shape);
    const refops::BatchStats s = two_d ? refops::batch_stats_2d(xa) : refops::batch_stats_1d(xa);
    const double m = uc.momentum;  // the float momentum, exactly
    const double unbias = static_cast<double>(s.count) / static_cast<double>(s.count - 1);
    for (int k = 0; k < c; ++k) {
      SCOPED_TRACE(k);
      const double want_mean = (1.0 - m) * before.mean[k] + m * s.mean[k];
      const double want_var = (1.0 - m) * before.var[k] + m * s.var[k] * unbias;
      expect_close("running mean", update_mean[k], want_mean);
      expect_close("running var", update_var[k], want_var);
      // The biased variance would be off by m·σ²/(M − 1): make sure the check can tell.
      EXPECT_GT(std::fabs(m * s.var[k] * (unbias - 1.0)), 10 * kTol * (1.0 + std::fabs(want_var)));
    }
    if (!uc.in_place) {
      EXPECT_EQ(r.mean, before.mean) << "running_mean itself is only read";
      EXPECT_EQ(r.var, before.var) << "running_var itself is only read";
    }
  }
}

// Without update pointers a training graph leaves the running statistics bit-identical; in an
// evaluation graph nothing is written even when the pointers are given.
TEST(GradcheckBatchNorm, RunningStatisticsUntouchedWithoutUpdatePointersOrInEval) {
  for (OpKind kind : {OpKind::kBatchNorm1d, OpKind::kBatchNorm2d}) {
    for (bool training : {true, false}) {
      SCOPED_TRACE(std::string(op_kind_name(kind)) + (training ? " training" : " eval"));
      const Shape xs = two_d_of(kind) ? Shape{2, 3, 2, 2} : Shape{4, 3};
      const std::vector<Input> in = bn_inputs(xs, 3, 751);
      Running r = running_stats(3, 752);
      const Running before = r;
      std::vector<float> out_mean(3, -7.0f), out_var(3, -7.0f);
      Arena arena;
      Graph graph(arena, GraphOptions{.training = training});
      const Tensor x = graph.input(in[0].data.data(), in[0].shape);
      const Tensor w = graph.input(in[1].data.data(), in[1].shape);
      const Tensor b = graph.input(in[2].data.data(), in[2].shape);
      // Training: no update pointers. Eval: pointers given but must stay unused.
      const BatchNormState state{r.mean.data(), r.var.data(), 1e-5f, 0.1f,
                                 training ? nullptr : out_mean.data(), training ? nullptr : out_var.data()};
      const Tensor y = run_bn(graph, kind, x, w, b, state);
      ASSERT_TRUE(graph.ok()) << graph.status().message();
      ASSERT_TRUE(y.valid());
      EXPECT_EQ(std::memcmp(r.mean.data(), before.mean.data(), 3 * sizeof(float)), 0);
      EXPECT_EQ(std::memcmp(r.var.data(), before.var.data(), 3 * sizeof(float)), 0);
      EXPECT_EQ(out_mean, std::vector<float>(3, -7.0f));
      EXPECT_EQ(out_var, std::vector<float>(3, -7.0f));
    }
  }
}

// ---- saved data --------------------------------------------------------------------------------------

// The node saves, per feature, μ, invstd = 1/√(σ² + eps), scale = γ·invstd, shift = β − μ·scale.
TEST(GradcheckBatchNorm, SavedStatistics) {
  struct Case {
    OpKind kind;
    Shape x;
    bool training;
    float eps;
  };
  const Case cases[] = {{OpKind::kBatchNorm1d, Shape{5, 4}, true, 1e-5f},
                        {OpKind::kBatchNorm1d, Shape{2, 3, 4}, true, 0.5f},
                        {OpKind::kBatchNorm1d, Shape{3, 4}, false, 1e-3f},
                        {OpKind::kBatchNorm2d, Shape{2, 4, 2, 3}, true, 1e-5f},
                        {OpKind::kBatchNorm2d, Shape{2, 4, 2, 3}, false, 0.25f}};
  uint64_t seed = 761;
  for (const Case& cs : cases) {
    SCOPED_TRACE(std::string(op_kind_name(cs.kind)) + " " + ShapeStr(cs.x).c_str() +
                 (cs.training ? " training" : " eval"));
    const int c = 4;
    const std::vector<Input> in = bn_inputs(cs.x, c, seed++);
    const Running r = running_stats(c, seed++);
    Arena arena;
    Graph graph(arena, GraphOptions{.training = cs.training});
    const Tensor x = graph.input(in[0].data.data(), in[0].shape, true);
    const Tensor w = graph.input(in[1].data.data(), in[1].shape, true);
    const Tensor b = graph.input(in[2].data.data(), in[2].shape, true);
    const Tensor y = run_bn(graph, cs.kind, x, w, b,
                            BatchNormState{r.mean.data(), r.var.data(), cs.eps, 0.1f, nullptr, nullptr});
    ASSERT_TRUE(graph.ok()) << graph.status().message();
    const Node* node = producer(graph, y.id);
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->kind, cs.kind);
    EXPECT_EQ(node->training, cs.training);
    EXPECT_EQ(node->in[0], x.id);
    EXPECT_EQ(node->in[1], w.id);
    EXPECT_EQ(node->in[2], b.id);
    ASSERT_NE(node->saved, nullptr);

    const Array xa = gradcheck::ToArray(in[0].data.data(), in[0].shape);
    refops::BatchStats s;
    if (cs.training) {
      s = two_d_of(cs.kind) ? refops::batch_stats_2d(xa) : refops::batch_stats_1d(xa);
    } else {
      s.mean.assign(r.mean.begin(), r.mean.end());
      s.var.assign(r.var.begin(), r.var.end());
    }
    for (int k = 0; k < c; ++k) {
      SCOPED_TRACE(k);
      const double invstd = 1.0 / std::sqrt(s.var[k] + static_cast<double>(cs.eps));
      const double scale = in[1].data[k] * invstd;
      const double shift = in[2].data[k] - s.mean[k] * scale;
      expect_close("mean", node->saved[k], s.mean[k]);
      expect_close("invstd", node->saved[c + k], invstd);
      expect_close("scale", node->saved[2 * c + k], scale);
      expect_close("shift", node->saved[3 * c + k], shift);
    }
  }
}

// ---- errors ----------------------------------------------------------------------------------------

struct BnError {
  const char* what;
  OpKind kind;
  Shape x;
  int weight, bias;  // lengths
  bool training;
  bool null_running;
};

Status bn_status(const BnError& e, bool* output_valid) {
  static const std::vector<float> values = [] {
    std::vector<float> v(512);
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.01f * static_cast<float>(i % 37);
    return v;
  }();
  static const std::vector<float> ones(64, 1.0f);
  Arena arena;
  Graph graph(arena, GraphOptions{.training = e.training});
  const Tensor x = graph.input(values.data(), e.x, true);
  const Tensor w = graph.input(ones.data(), Shape{e.weight}, true);
  const Tensor b = graph.input(ones.data(), Shape{e.bias}, true);
  const BatchNormState state{e.null_running ? nullptr : ones.data(), ones.data(), 1e-5f, 0.1f, nullptr, nullptr};
  const Tensor y = run_bn(graph, e.kind, x, w, b, state);
  *output_valid = y.valid();
  return graph.status();
}

TEST(GradcheckBatchNorm, TrainingNeedsMoreThanOneValuePerFeature) {
  const BnError cases[] = {
      {"1d [1, 4]", OpKind::kBatchNorm1d, Shape{1, 4}, 4, 4, true, false},
      {"1d [1, 1, 4]", OpKind::kBatchNorm1d, Shape{1, 1, 4}, 4, 4, true, false},
      {"2d [1, 3, 1, 1]", OpKind::kBatchNorm2d, Shape{1, 3, 1, 1}, 3, 3, true, false},
  };
  for (const BnError& e : cases) {
    SCOPED_TRACE(e.what);
    bool valid = true;
    const Status st = bn_status(e, &valid);
    EXPECT_FALSE(valid);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.message();
    EXPECT_NE(std::string(st.message()).find(op_kind_name(e.kind)), std::string::npos) << st.message();
    // The same shapes are fine in evaluation, and two values per feature are fine in training.
    BnError eval = e;
    eval.training = false;
    const Status eval_st = bn_status(eval, &valid);
    EXPECT_TRUE(eval_st.ok()) << eval_st.message();
    EXPECT_TRUE(valid);
  }
  bool valid = false;
  EXPECT_TRUE(bn_status({"1d [2, 4]", OpKind::kBatchNorm1d, Shape{2, 4}, 4, 4, true, false}, &valid).ok());
  EXPECT_TRUE(bn_status({"2d [1, 3, 1, 2]", OpKind::kBatchNorm2d, Shape{1, 3, 1, 2}, 3, 3, true, false}, &valid).ok());
}

TEST(GradcheckBatchNorm, ShapeErrors) {
  const BnError cases[] = {
      {"1d rank 1", OpKind::kBatchNorm1d, Shape{4}, 4, 4, false, false},
      {"1d weight length", OpKind::kBatchNorm1d, Shape{3, 4}, 3, 4, true, false},
      {"1d bias length", OpKind::kBatchNorm1d, Shape{3, 2, 4}, 4, 5, false, false},
      {"1d null running stats", OpKind::kBatchNorm1d, Shape{3, 4}, 4, 4, true, true},
      {"2d rank 3", OpKind::kBatchNorm2d, Shape{2, 3, 4}, 3, 3, true, false},
      {"2d channels are dim 1", OpKind::kBatchNorm2d, Shape{2, 3, 2, 4}, 4, 4, true, false},
  };
  for (const BnError& e : cases) {
    SCOPED_TRACE(e.what);
    bool valid = true;
    const Status st = bn_status(e, &valid);
    EXPECT_FALSE(valid);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.message();
    EXPECT_NE(std::string(st.message()).find(op_kind_name(e.kind)), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace salient
