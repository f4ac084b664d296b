// SPEC §5 target_time on per-step models (output N×T×C). Oracle: the engine's plain backward on
// the full sequence, seeded at one step. A GRU is causal, so the gradient of y[:, t] with respect
// to x[:, t] is the same whether the sequence stops at t or goes on: target_time=all must equal, at
// each step t, the full-sequence gradient of y[:, t] at x[:, t]. Float32 throughout: the two paths
// run the same kernels on the same prefix of operations, so the tolerance is a few ULP (1e-6).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../support/cli_process.h"
#include "salient/explain/batchnorm_merge.h"
#include "salient/explain/methods.h"
#include "salient/graph.h"
#include "salient/random.h"
#include "salient/rules.h"

namespace salient::explain {
namespace {

constexpr int64_t kN = 2, kT = 6, kD = 3, kC = 2;

Model per_step_model() {
  Result<Model> m = Model::create(
      Shape{0, kD}, {Layer::gru("gru", kD, 5, /*all_steps=*/true), Layer::linear("fc", 5, kC)});
  SALIENT_ASSERT(m.ok());
  m->init_default(7);
  return std::move(*m);
}

std::vector<float> input() {
  Rng rng(3);
  std::vector<float> x(kN * kT * kD);
  for (float& v : x) v = rng.normal();
  return x;
}

// ∂y[i, t, c] / ∂x for every sample i (column c), from one backward over the full sequence.
std::vector<float> full_gradient(const Model& m, const std::vector<float>& x, int64_t t, int c) {
  Arena arena;
  Graph g(arena);
  const Tensor in = g.input(x.data(), Shape{kN, kT, kD}, true);
  const Tensor y = m.forward(g, in);
  SALIENT_ASSERT(g.ok() && y.shape[1] == kT);
  std::vector<float> seed(static_cast<size_t>(y.numel()), 0.0f);
  for (int64_t i = 0; i < kN; ++i) seed[static_cast<size_t>((i * kT + t) * kC + c)] = 1.0f;
  SALIENT_ASSERT(g.backward(y, seed.data(), gradient_rules()).ok());
  const float* gx = g.grad(in);
  return std::vector<float>(gx, gx + x.size());
}

Status explain(const Model& m, const std::vector<float>& x, const std::string& method,
               std::vector<Setting> settings, std::vector<float>* a,
               const int32_t* columns = nullptr) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = Shape{kN, kT, kD};
  r.settings = std::move(settings);
  r.target.columns = columns;
  a->assign(x.size(), 0.0f);
  Arena arena;
  return run_method(method, r, arena, a->data());
}

TEST(TargetTime, StepSelectsThatStepsOutput) {
  const Model m = per_step_model();
  const std::vector<float> x = input();
  const std::vector<int32_t> columns(kN, 1);
  for (int64_t t : {int64_t{0}, int64_t{3}, kT - 1}) {
    std::vector<float> a;
    ASSERT_TRUE(explain(m, x, "saliency", {{"abs", "false"}, {"target_time", std::to_string(t)}},
                        &a, columns.data())
                    .ok());
    const std::vector<float> want = full_gradient(m, x, t, 1);
    for (size_t j = 0; j < a.size(); ++j)
      EXPECT_NEAR(a[j], want[j], 1e-6) << "t " << t << " at " << j;
  }
}

TEST(TargetTime, LastIsTheDefault) {
  const Model m = per_step_model();
  const std::vector<float> x = input();
  std::vector<float> by_default, last, explicit_step;
  ASSERT_TRUE(explain(m, x, "input-x-gradient", {}, &by_default).ok());
  ASSERT_TRUE(explain(m, x, "input-x-gradient", {{"target_time", "last"}}, &last).ok());
  ASSERT_TRUE(
      explain(m, x, "input-x-gradient", {{"target_time", std::to_string(kT - 1)}}, &explicit_step)
          .ok());
  EXPECT_EQ(by_default, last);
  EXPECT_EQ(last, explicit_step);
}

TEST(TargetTime, AllKeepsEachStepsAttributionFromItsPrefix) {
  const Model m = per_step_model();
  const std::vector<float> x = input();
  const std::vector<int32_t> columns(kN, 0);
  std::vector<float> a;
  ASSERT_TRUE(
      explain(m, x, "saliency", {{"abs", "false"}, {"target_time", "all"}}, &a, columns.data())
          .ok());
  for (int64_t t = 0; t < kT; ++t) {
    const std::vector<float> want = full_gradient(m, x, t, 0);
    for (int64_t i = 0; i < kN; ++i)
      for (int64_t d = 0; d < kD; ++d) {
        const size_t at = static_cast<size_t>((i * kT + t) * kD + d);
        EXPECT_NEAR(a[at], want[at], 1e-6) << "sample " << i << " step " << t;
      }
  }
}

TEST(TargetTime, PerturbationMethodsSeeTheSelectedStep) {
  // feature-ablation of one scalar at the selected step's output: f(x)_t − f(x with x_j = 0)_t.
  const Model m = per_step_model();
  const std::vector<float> x = input();
  const std::vector<int32_t> columns(kN, 1);
  const int64_t t = 2;
  std::vector<float> a;
  ASSERT_TRUE(
      explain(m, x, "feature-ablation", {{"target_time", std::to_string(t)}}, &a, columns.data())
          .ok());
  auto output_at_t = [&](const std::vector<float>& in, int64_t i) {
    Arena arena;
    Graph g(arena);
    const Tensor y = m.forward(g, g.input(in.data(), Shape{kN, kT, kD}));
    return y.data[(i * kT + t) * kC + 1];
  };
  for (size_t j : {size_t{0}, size_t{4}, static_cast<size_t>(kT * kD + 2)}) {
    std::vector<float> ablated = x;
    ablated[j] = 0.0f;
    const int64_t i = static_cast<int64_t>(j) / (kT * kD);
    EXPECT_NEAR(a[j], output_at_t(x, i) - output_at_t(ablated, i), 1e-6) << j;
  }
  // Steps after t cannot change step t's output of a causal model (up to the rounding difference
  // between the batches f(x) and the ablated rows are evaluated in: the GEMM's blocking depends on
  // the row count).
  EXPECT_NEAR(a[static_cast<size_t>((t + 1) * kD)], 0.0f, 1e-6);
}

TEST(TargetTime, RelevanceAtALayerAfterTheGruKeepsEveryStep) {
  // The step is selected after the GRU, unless a layer after it is read: guided-backprop's signal
  // at the ReLU's output (only dropout and the linear layer follow it, no ReLU rule applies) is
  // fc.weight's target row at the explained step and 0 at every other step, in [N, T, H].
  Result<Model> m =
      Model::create(Shape{0, kD}, {Layer::gru("gru", kD, 5, /*all_steps=*/true), Layer::relu("act"),
                                   Layer::dropout("drop", 0.2f), Layer::linear("fc", 5, kC)});
  ASSERT_TRUE(m.ok());
  m->init_default(4);
  const std::vector<float> x = input();
  const std::vector<int32_t> columns(kN, 1);
  const int64_t t = 3;
  Request r;
  r.model = &*m;
  r.x = x.data();
  r.shape = Shape{kN, kT, kD};
  r.settings = {{"relevance_at", "act"}, {"target_time", std::to_string(t)}};
  r.target.columns = columns.data();
  Result<Shape> shape = output_shape(*find_method("guided-backprop"), r);
  ASSERT_TRUE(shape.ok());
  EXPECT_EQ(*shape, (Shape{kN, kT, 5}));
  std::vector<float> a(static_cast<size_t>(shape->numel()), -1.0f);
  Arena arena;
  ASSERT_TRUE(run_method("guided-backprop", r, arena, a.data()).ok());
  const float* w = m->parameter("fc.weight");
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t s = 0; s < kT; ++s)
      for (int64_t j = 0; j < 5; ++j)
        EXPECT_EQ(a[static_cast<size_t>((i * kT + s) * 5 + j)], s == t ? w[1 * 5 + j] : 0.0f)
            << "sample " << i << " step " << s << " unit " << j;
}

TEST(TargetTime, ZBoxBoundsSpanTheWholeSequence) {
  // lrp-zbox on a per-step linear layer (no bias): its zB bounds are each sample's min and max of
  // the layer's input, here the whole sequence x[i] (T·D values, an extreme one planted at step 0),
  // not just the explained step. Closed form at the last step t: R_d = z_d / Σ_d z_d · y_c with
  // z_d = x_d·w_cd − l·w_cd⁺ − h·w_cd⁻ (stabiliser 1e-9, far below Σ z), 0 at every other step.
  // Double-precision oracle; float32 sums of 3 terms: 1e-5 relative.
  Result<Model> m = Model::create(Shape{0, kD}, {Layer::linear("fc", kD, kC, /*bias=*/false)});
  ASSERT_TRUE(m.ok());
  m->init_default(6);
  std::vector<float> x = input();
  for (int64_t i = 0; i < kN; ++i) {
    x[static_cast<size_t>(i * kT * kD)] = 9.0f;
    x[static_cast<size_t>(i * kT * kD + 1)] = -8.0f;
  }
  const std::vector<int32_t> columns(kN, 1);
  const float* w = m->parameter("fc.weight") + kD;  // row c = 1
  // lrp-zbox, and zB put on the layer by a rule override.
  for (const auto& [method, settings] : {std::pair<const char*, std::vector<Setting>>{"lrp-zbox", {}},
                                         {"lrp-epsilon", {{"rule.fc", "zbox"}}}}) {
  SCOPED_TRACE(method);
  std::vector<float> a;
  ASSERT_TRUE(explain(*m, x, method, settings, &a, columns.data()).ok());
  for (int64_t i = 0; i < kN; ++i) {
    const float* xi = x.data() + i * kT * kD;
    double lo = xi[0], hi = xi[0];
    for (int64_t j = 0; j < kT * kD; ++j)
      lo = std::min<double>(lo, xi[j]), hi = std::max<double>(hi, xi[j]);
    const float* xt = xi + (kT - 1) * kD;
    double z[kD], sum = 0.0, y = 0.0;
    for (int64_t d = 0; d < kD; ++d) {
      z[d] = xt[d] * double(w[d]) - lo * std::max(0.0, double(w[d])) -
             hi * std::min(0.0, double(w[d]));
      sum += z[d];
      y += xt[d] * double(w[d]);
    }
    for (int64_t s = 0; s < kT; ++s)
      for (int64_t d = 0; d < kD; ++d) {
        const double got = a[static_cast<size_t>((i * kT + s) * kD + d)];
        const double want = s == kT - 1 ? z[d] / sum * y : 0.0;
        EXPECT_NEAR(got, want, 1e-5 * (std::fabs(want) + std::fabs(y)))
            << "sample " << i << " step " << s << " d " << d;
      }
  }
  }
}

// Without zB the rule methods select the step right after the GRU: the same floats as the model
// whose GRU gives only its last step (all_steps = false) with the same parameters.
TEST(TargetTime, RuleMethodsWithoutZBoxSelectRightAfterTheGru) {
  auto build = [](bool all_steps) {
    Result<Model> m = Model::create(Shape{0, kD}, {Layer::gru("gru", kD, 5, all_steps), Layer::relu("act"),
                                                   Layer::linear("fc", 5, kC)});
    SALIENT_ASSERT(m.ok());
    m->init_default(8);
    return std::move(*m);
  };
  const Model per_step = build(true), last_step = build(false);
  const std::vector<float> x = input();
  for (const char* method : {"lrp-epsilon", "lrp-gamma", "lrp-zplus"}) {
    std::vector<float> got, want;
    ASSERT_TRUE(explain(per_step, x, method, {{"convention", "zennit"}}, &got).ok()) << method;
    ASSERT_TRUE(explain(last_step, x, method, {{"convention", "zennit"}}, &want).ok()) << method;
    EXPECT_EQ(got, want) << method;
  }
}

// The rule methods fold a batchnorm after a linear layer into it: the folded model must keep the
// selected step (it had lost it, and the rules then saw [N, T, C]). Oracle: the same method on the
// model folded beforehand (then nothing is left to fold), which must give the same floats.
TEST(TargetTime, RuleMethodsKeepTheStepThroughABatchnormMerge) {
  Result<Model> m = Model::create(Shape{0, kD}, {Layer::gru("gru", kD, 5, /*all_steps=*/true), Layer::linear("fc1", 5, 4),
                                                 Layer::batchnorm1d("bn", 4), Layer::relu("act"), Layer::linear("fc2", 4, kC)});
  ASSERT_TRUE(m.ok());
  m->init_default(5);
  Rng rng(9);
  for (const char* p : {"bn.weight", "bn.bias", "bn.running_mean"})
    for (int k = 0; k < 4; ++k) m->parameter(p)[k] = rng.normal();
  for (int k = 0; k < 4; ++k) m->parameter("bn.running_var")[k] = 0.5f + rng.uniform(0.0f, 1.0f);
  Result<Model> folded = merge_batchnorm(*m);
  ASSERT_TRUE(folded.ok());
  const std::vector<float> x = input();
  for (const char* method : {"lrp-epsilon", "lrp-zplus", "lrp-gamma"})
    for (const char* step : {"last", "2"}) {
      std::vector<float> got, want;
      const Status s = explain(*m, x, method, {{"target_time", step}}, &got);
      ASSERT_TRUE(s.ok()) << method << " " << step << ": " << s.message();
      ASSERT_TRUE(explain(*folded, x, method, {{"target_time", step}}, &want).ok()) << method;
      EXPECT_EQ(got, want) << method << " " << step;
    }
  // A kept layer that the merge folds away: relevance at bn's output (all steps) is read at fc1 of
  // the folded model, where the step is then selected after fc1.
  auto relevance_at = [&](const Model& model, const char* layer) {
    Request r;
    r.model = &model;
    r.x = x.data();
    r.shape = Shape{kN, kT, kD};
    r.settings = {{"relevance_at", layer}};
    std::vector<float> a(static_cast<size_t>(kN * kT * 4), -1.0f);  // [N, T, 4]
    Arena arena;
    const Status s = run_method("lrp-epsilon", r, arena, a.data());
    EXPECT_TRUE(s.ok()) << layer << ": " << s.message();
    return a;
  };
  EXPECT_EQ(relevance_at(*m, "bn"), relevance_at(*folded, "fc1"));
}

TEST(TargetTime, Errors) {
  const Model m = per_step_model();
  const std::vector<float> x = input();
  std::vector<float> a;
  for (const char* bad : {"6", "-1", "abc", ""}) {
    const Status s = explain(m, x, "saliency", {{"target_time", bad}}, &a);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(std::string(s.message()).find("target_time"), std::string::npos) << s.message();
  }
  // A model whose output is [N, C] has no step to select.
  Result<Model> flat = Model::create(
      Shape{kT, kD}, {Layer::gru("gru", kD, 4, /*all_steps=*/false), Layer::linear("fc", 4, kC)});
  ASSERT_TRUE(flat.ok());
  flat->init_default(1);
  EXPECT_EQ(explain(*flat, x, "saliency", {{"target_time", "last"}}, &a).code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(explain(*flat, x, "saliency", {}, &a).ok());
  EXPECT_EQ(flat->with_output_step(0).status().code(), Code::kInvalidArgument);
  // `all` copies each step's map into the input's layout: a method writing another shape (here the
  // GRU's 5 hidden units at every step, not the 3 input features) is an error, not an overrun.
  const Status reshaped = explain(m, x, "lrp-epsilon", {{"target_time", "all"}, {"relevance_at", "gru"}}, &a);
  EXPECT_EQ(reshaped.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(reshaped.message()).find("target_time=all"), std::string::npos) << reshaped.message();
  // No model: an error from the registry, not a crash reading the model's shape.
  Request r;
  r.x = x.data();
  r.shape = Shape{kN, kT, kD};
  Arena arena;
  EXPECT_EQ(run_method("saliency", r, arena, a.data()).code(), Code::kInvalidArgument);
}

TEST(TargetTime, MethodsListsTheCommonKey) {
  const testing_cli::Process p = testing_cli::run_cli("methods");
  EXPECT_EQ(p.status, 0);
  EXPECT_TRUE(testing_cli::contains(p.output, "--set target_time=last")) << p.output;
}

}  // namespace
}  // namespace salient::explain
