// Model::with_output_step selects the step right after the last layer that mixes time steps (the
// layers after it map each step on its own). Oracle: the same model without a selection, run on
// every step, then sliced at the step (its output) or seeded at the step (its input gradient).
// The selected model runs those layers on N rows instead of N·T, so a linear layer's GEMM may take
// another path (the in-place dot kernel for ≤ 4 rows, the blocked loop nest above): its sums then
// round in another order, a few ULP of Σ|w·a| (< 1e-6 here, values O(1), 8-term sums). The
// elementwise layers (batchnorm, ReLU, dropout, tanh) compute the same values either way.
// (Observed: bit-identical under every SALIENT_MAX_ISA cap at these sizes.)
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "salient/model.h"
#include "salient/random.h"
#include "salient/rules.h"

namespace salient {
namespace {

constexpr int64_t kT = 6, kD = 3, kH = 8, kC = 2;

// GRU(all steps) → batchnorm1d → ReLU → dropout → linear, hmm-gru's shape at a small size, with
// batchnorm statistics that are not the identity.
Model gru_head() {
  Result<Model> m =
      Model::create(Shape{0, kD}, {Layer::gru("gru", kD, kH, /*all_steps=*/true),
                                   Layer::batchnorm1d("bn", kH), Layer::relu("relu"),
                                   Layer::dropout("drop", 0.3f), Layer::linear("fc", kH, kC)});
  SALIENT_ASSERT(m.ok());
  m->init_default(11);
  Rng rng(5);
  for (const char* p : {"bn.weight", "bn.bias", "bn.running_mean"})
    for (int j = 0; j < kH; ++j) m->parameter(p)[j] = rng.normal() * 0.5f;
  for (int j = 0; j < kH; ++j) m->parameter("bn.running_var")[j] = 0.5f + rng.uniform();
  return std::move(*m);
}

std::vector<float> sequence(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(n * kT * kD));
  for (float& v : x) v = rng.normal();
  return x;
}

struct Pass {
  std::vector<float> y;   // the model's output
  std::vector<float> gx;  // ∂(Σ_i y[i, (t,) column]) / ∂x
};

// One forward and backward of `m`; `step` ≥ 0 seeds that step of a per-step output [N, T, C],
// −1 seeds the [N, C] output of a selected model.
Pass run(const Model& m, const std::vector<float>& x, int64_t n, int64_t step, int column,
         bool training = false) {
  Arena arena;
  GraphOptions options;
  options.training = training;
  options.seed = 9;
  Graph g(arena, options);
  const Tensor in = g.input(x.data(), Shape{n, kT, kD}, /*requires_grad=*/true);
  const Tensor y = m.forward(g, in);
  SALIENT_ASSERT(g.ok());
  std::vector<float> seed(static_cast<size_t>(y.numel()), 0.0f);
  for (int64_t i = 0; i < n; ++i)
    seed[static_cast<size_t>((step >= 0 ? i * kT + step : i) * kC + column)] = 1.0f;
  SALIENT_ASSERT(g.backward(y, seed.data(), gradient_rules()).ok());
  return {std::vector<float>(y.data, y.data + y.numel()),
          std::vector<float>(g.grad(in), g.grad(in) + x.size())};
}

void expect_selected_equals_sliced(const Model& m, int64_t n) {
  const std::vector<float> x = sequence(n, 3 + static_cast<uint64_t>(n));
  for (int64_t t : {int64_t{0}, int64_t{2}, kT - 1}) {
    Result<Model> selected = m.with_output_step(t == kT - 1 ? Model::kLastStep : t);
    ASSERT_TRUE(selected.ok()) << selected.status().message();
    const Pass all = run(m, x, n, t, 1);
    const Pass one = run(*selected, x, n, -1, 1);
    ASSERT_EQ(one.y.size(), static_cast<size_t>(n * kC));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < kC; ++c)
        EXPECT_NEAR(one.y[static_cast<size_t>(i * kC + c)],
                    all.y[static_cast<size_t>((i * kT + t) * kC + c)], 1e-6)
            << "n " << n << " t " << t << " sample " << i;
    for (size_t j = 0; j < x.size(); ++j)
      EXPECT_NEAR(one.gx[j], all.gx[j], 1e-6) << "n " << n << " t " << t << " at " << j;
  }
}

TEST(OutputStep, SelectingAfterTheGruEqualsSlicingTheOutput) {
  const Model m = gru_head();
  expect_selected_equals_sliced(m, 1);  // the final linear on 1 row: the dot kernel
  expect_selected_equals_sliced(m, 7);  // on 7 rows: the blocked loop nest
}

TEST(OutputStep, AModelOfPerStepLayersSelectsBeforeItsFirstLayer) {
  Result<Model> m = Model::create(
      Shape{0, kD}, {Layer::linear("in", kD, kH), Layer::tanh("act"), Layer::linear("fc", kH, kC)});
  ASSERT_TRUE(m.ok());
  m->init_default(2);
  Result<Model> selected = m->with_output_step(Model::kLastStep);
  ASSERT_TRUE(selected.ok());
  EXPECT_EQ(*selected->output_shape_at(Shape{4, kT, kD}, "in"), (Shape{4, kH}));
  expect_selected_equals_sliced(*m, 5);
}

// Each layer's recorded output value's shape (the last node of the layer), and whether the graph
// has a time_step node.
struct Recorded {
  std::vector<std::pair<std::string, Shape>> layers;
  bool time_step = false;
};
Recorded record(const Model& m, const Shape& in) {
  Arena arena;
  Graph g(arena);
  const std::vector<float> x = sequence(in[0], 1);
  const Tensor y = m.forward(g, g.input(x.data(), in));
  SALIENT_ASSERT(g.ok() && y.valid());
  Recorded r;
  for (int32_t i = 0; i < g.node_count(); ++i) {
    const Node& node = g.node(i);
    r.time_step = r.time_step || node.kind == OpKind::kTimeStep;
    if (node.layer < 0) continue;
    const std::string layer = g.layer_name(node.layer);
    if (!r.layers.empty() && r.layers.back().first == layer) r.layers.pop_back();
    r.layers.emplace_back(layer, g.value(node.out).shape);
  }
  return r;
}

// output_shape_at agrees with the values the graph records for every layer.
void expect_shapes_match_the_graph(const Model& m, const Shape& in) {
  const Recorded r = record(m, in);
  for (const auto& [layer, shape] : r.layers)
    EXPECT_EQ(*m.output_shape_at(in, layer.c_str()), shape) << layer;
}

TEST(OutputStep, LayerShapesFollowTheSelectionAndKeepLayerKeepsItsSteps) {
  const Model m = gru_head();
  const Shape in{4, kT, kD};
  Result<Model> at_step = m.with_output_step(2);
  ASSERT_TRUE(at_step.ok());
  EXPECT_EQ(*at_step->output_shape_at(in, "gru"), (Shape{4, kT, kH}));
  EXPECT_EQ(*at_step->output_shape_at(in, "bn"), (Shape{4, kH}));
  EXPECT_EQ(*at_step->output_shape(in), (Shape{4, kC}));
  EXPECT_TRUE(record(*at_step, in).time_step);
  expect_shapes_match_the_graph(*at_step, in);
  // The last step: the GRU outputs it itself (no time_step node).
  Result<Model> last = m.with_output_step(Model::kLastStep);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last->output_shape_at(in, "gru"), (Shape{4, kH}));
  EXPECT_FALSE(record(*last, in).time_step);
  expect_shapes_match_the_graph(*last, in);
  // A kept layer keeps its steps, and so does a kept GRU.
  for (const char* keep : {"relu", "gru"}) {
    Result<Model> keeping = m.with_output_step(Model::kLastStep, keep);
    ASSERT_TRUE(keeping.ok());
    EXPECT_EQ(*keeping->output_shape_at(in, keep), (Shape{4, kT, kH})) << keep;
    EXPECT_EQ(*keeping->output_shape(in), (Shape{4, kC}));
    EXPECT_TRUE(record(*keeping, in).time_step);
    expect_shapes_match_the_graph(*keeping, in);
  }
  EXPECT_EQ(*m.with_output_step(Model::kLastStep, "relu")->output_shape_at(in, "drop"),
            (Shape{4, kH}));
  EXPECT_EQ(last->output_shape_at(in, "nope").status().code(), Code::kInvalidArgument);
  // The selection, as merge_batchnorm reads it to select on the folded model.
  EXPECT_EQ(m.output_step(), Model::kNoStep);
  EXPECT_EQ(at_step->output_step(), 2);
  EXPECT_EQ(at_step->kept_layer(), "");
  EXPECT_EQ(m.with_output_step(Model::kLastStep, "relu")->kept_layer(), "relu");
}

TEST(OutputStep, ATrainingGraphSelectsAfterTheLastLayer) {
  // Batchnorm's batch statistics and dropout's masks span every step in training: the selected
  // model must give exactly the sliced full output (the same operations in the same order).
  const Model m = gru_head();
  const int64_t n = 3;
  const std::vector<float> x = sequence(n, 8);
  for (int64_t step : {int64_t{2}, Model::kLastStep}) {
    const int64_t t = step == Model::kLastStep ? kT - 1 : step;
    Result<Model> selected = m.with_output_step(step);
    ASSERT_TRUE(selected.ok());
    const Pass all = run(m, x, n, t, 0, /*training=*/true);
    const Pass one = run(*selected, x, n, -1, 0, /*training=*/true);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < kC; ++c)
        EXPECT_EQ(one.y[static_cast<size_t>(i * kC + c)],
                  all.y[static_cast<size_t>((i * kT + t) * kC + c)])
            << "step " << t;
    EXPECT_EQ(one.gx, all.gx) << "step " << t;
  }
}

}  // namespace
}  // namespace salient
