// RAP's invariants and its parts (SPEC §8 identity 8, docs/rules.md "RAP"): on seeded random ReLU
// nets the input relevance sums to the target logit, every relevance after the target layer has the
// logit's sign and they sum to it, and every layer conserves Σ R; max pools are winner-take-all,
// average pools the z-rule, the first layer zB with the global min/max (each checked against
// scalar loops on the values the backward pass saw); mergeable batchnorm is merged; GRU models and
// layouts RAP cannot seed are refused.
//
// Tolerances: float32 sums of at most a few hundred relevances that all carry the logit's sign
// after the target layer (no cancellation), so 1e-4 relative to max(1, |y_c|) (measured ~1e-7);
// the per-node checks redo one node's arithmetic in float64: 1e-5 relative.
#include "salient/explain/rap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/equivalences.h"
#include "salient/graph.h"

namespace salient::explain {
namespace {

std::vector<float> input_for(const RandomNet& n, uint32_t seed) {
  return uniform_values(static_cast<size_t>(n.shape.numel()), seed);
}

TEST(Rap, ConservesTheLogitWithItsSignOnRandomReluNets) {
  for (uint64_t seed : {0u, 1u, 2u}) {
    for (const RandomNet& n : {random_mlp(Activation::kRelu, true, seed * 10 + 1),
                               random_cnn(Activation::kRelu, true, true, seed * 10 + 2),
                               random_cnn(Activation::kRelu, true, false, seed * 10 + 3),
                               random_cnn1d(Activation::kRelu, true, seed * 10 + 4),
                               random_one_hidden(Activation::kRelu, false, seed * 10 + 5)}) {
      const std::vector<float> x = input_for(n, static_cast<uint32_t>(seed + 40));
      std::vector<float> r(x.size()), target_input;
      Result<Shape> y_shape = n.model.output_shape(n.shape);
      ASSERT_TRUE(y_shape.ok());
      std::vector<float> y(static_cast<size_t>(y_shape->numel()));
      std::vector<int32_t> chosen(static_cast<size_t>(n.shape[0]));
      Arena arena;
      ASSERT_TRUE(rap(n.model, x.data(), n.shape, Target{}, arena, r.data(), y.data(),
                      chosen.data(), &target_input)
                      .ok());
      const int64_t rows = n.shape[0], classes = y_shape->numel() / rows;
      const size_t per = x.size() / static_cast<size_t>(rows),
                   per_t = target_input.size() / static_cast<size_t>(rows);
      for (int64_t s = 0; s < rows; ++s) {
        const double logit = y[static_cast<size_t>(s * classes + chosen[static_cast<size_t>(s)])];
        double sum = 0.0, sum_t = 0.0;
        for (size_t j = 0; j < per; ++j) sum += r[s * per + j];
        for (size_t j = 0; j < per_t; ++j) {
          const float v = target_input[s * per_t + j];
          sum_t += v;
          EXPECT_TRUE(v == 0.0f || (v > 0.0f) == (logit > 0.0))
              << "relevance " << v << " vs logit " << logit;
        }
        const double tol = 1e-4 * std::max(1.0, std::fabs(logit));
        EXPECT_NEAR(sum, logit, tol) << "seed " << seed << " sample " << s;
        EXPECT_NEAR(sum_t, logit, tol) << "seed " << seed << " sample " << s;
      }
    }
  }
}

// One backward with RAP's rules, keeping the graph so each node's relevance can be read.
struct RapGraph {
  Arena arena;
  Graph g{arena};
  RapRules rules;

  void run(const Model& m, const std::vector<float>& x, const Shape& shape) {
    const Tensor in = g.input(x.data(), shape, true);
    const Tensor y = m.forward(g, in);
    ASSERT_TRUE(g.ok());
    std::vector<float> seed(static_cast<size_t>(y.numel()), 0.0f);
    const int64_t c = y.shape[1];
    for (int64_t i = 0; i < y.shape[0]; ++i)
      seed[static_cast<size_t>(
          i * c + (std::max_element(y.data + i * c, y.data + (i + 1) * c) - (y.data + i * c)))] = 1;
    ASSERT_TRUE(rap_rules(m, nullptr, &rules).ok());
    ASSERT_TRUE(g.backward(y, seed.data(), rules.rules).ok());
  }
  const Value& value(int32_t id) const { return g.value(id); }
  std::vector<float> relevance(int32_t id) const {
    const Value& v = g.value(id);
    const float* r = g.grad(Tensor{v.data, v.shape, id});
    return r ? std::vector<float>(r, r + v.shape.numel())
             : std::vector<float>(static_cast<size_t>(v.shape.numel()), 0.0f);
  }
  const Node* first(OpKind kind) const {
    for (int32_t i = 0; i < g.node_count(); ++i)
      if (g.node(i).kind == kind) return &g.node(i);
    return nullptr;
  }
};

double rel_diff(const std::vector<double>& want, const std::vector<float>& got) {
  double diff = 0.0, scale = 1e-30;
  for (size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::fabs(want[i] - got[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  return diff / scale;
}

double total(const std::vector<float>& v) {
  double s = 0.0;
  for (float f : v) s += f;
  return s;
}

TEST(Rap, EveryNodeOfAReluCnnConservesRelevance) {
  const RandomNet n = random_cnn(Activation::kRelu, true, true, 7);
  RapGraph rg;
  rg.run(n.model, input_for(n, 8), n.shape);
  int32_t target =
      -1;  // the target layer turns the one-hot seed into y_c: conservation starts below it
  for (int32_t i = 0; i < rg.g.node_count(); ++i)
    if (rg.g.node(i).kind == OpKind::kLinear) target = i;
  ASSERT_GT(target, 0);
  for (int32_t i = 0; i < target; ++i) {
    const Node& node = rg.g.node(i);
    const double out = total(rg.relevance(node.out)), in = total(rg.relevance(node.in[0]));
    EXPECT_NEAR(in, out, 1e-4 * std::max(1.0, std::fabs(out))) << op_kind_name(node.kind);
  }
}

TEST(Rap, MaxPoolIsWinnerTakeAll) {
  const RandomNet n = random_cnn(Activation::kRelu, true, true, 9);  // c1, relu, maxpool, ...
  RapGraph rg;
  rg.run(n.model, input_for(n, 10), n.shape);
  const Node* pool = rg.first(OpKind::kMaxPool2d);
  ASSERT_NE(pool, nullptr);
  const std::vector<float> r_out = rg.relevance(pool->out), r_in = rg.relevance(pool->in[0]);
  std::vector<double> want(r_in.size(), 0.0);
  for (size_t o = 0; o < r_out.size(); ++o) want[static_cast<size_t>(pool->argmax[o])] += r_out[o];
  EXPECT_LE(rel_diff(want, r_in), 1e-6);
  EXPECT_GT(std::count_if(r_out.begin(), r_out.end(), [](float v) { return v != 0.0f; }), 0);
}

TEST(Rap, AvgPoolUsesTheZRule) {
  const RandomNet n = random_cnn(Activation::kRelu, true, false, 11);  // c1, relu, avgpool 2×2, ...
  RapGraph rg;
  rg.run(n.model, input_for(n, 12), n.shape);
  const Node* pool = rg.first(OpKind::kAvgPool2d);
  ASSERT_NE(pool, nullptr);
  const Value& x = rg.value(pool->in[0]);
  const std::vector<float> r_out = rg.relevance(pool->out), r_in = rg.relevance(pool->in[0]);
  const int64_t channels = x.shape[0] * x.shape[1], h = x.shape[2], w = x.shape[3];
  std::vector<double> want(r_in.size(), 0.0);
  // R_in = x ⊙ Aᵀ(R/Ax), A the 2×2 mean; 0 where the window's mean is 0.
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < h / 2; ++i)
      for (int64_t j = 0; j < w / 2; ++j) {
        double mean = 0.0;
        for (int64_t u = 0; u < 2; ++u)
          for (int64_t v = 0; v < 2; ++v) mean += x.data[(c * h + 2 * i + u) * w + 2 * j + v] / 4.0;
        const double r = r_out[static_cast<size_t>((c * (h / 2) + i) * (w / 2) + j)];
        for (int64_t u = 0; u < 2; ++u)
          for (int64_t v = 0; v < 2; ++v) {
            const int64_t at = (c * h + 2 * i + u) * w + 2 * j + v;
            want[static_cast<size_t>(at)] = mean != 0.0 ? x.data[at] / 4.0 * r / mean : 0.0;
          }
      }
  EXPECT_LE(rel_diff(want, r_in), 1e-5);
}

TEST(Rap, FirstLayerIsZBoxWithTheGlobalMinAndMax) {
  const RandomNet n = random_mlp(Activation::kRelu, true, 13);  // l1 (8 → 16) is the first layer
  const std::vector<float> x = input_for(n, 14);
  RapGraph rg;
  rg.run(n.model, x, n.shape);
  const Node* l1 = rg.first(OpKind::kLinear);
  ASSERT_NE(l1, nullptr);
  const std::vector<float> r_out = rg.relevance(l1->out), r_in = rg.relevance(l1->in[0]);
  const float* w = n.model.parameter("l1.weight");
  std::vector<double> want(r_in.size(), 0.0);
  for (int64_t s = 0; s < n.shape[0]; ++s) {
    const float* xs = x.data() + s * 8;
    const double lo = *std::min_element(xs, xs + 8), hi = *std::max_element(xs, xs + 8);
    for (int k = 0; k < 16; ++k) {
      auto term = [&](int i) {
        const double wk = w[k * 8 + i];
        return xs[i] * wk - lo * std::max(wk, 0.0) - hi * std::min(wk, 0.0);
      };
      double z = 0.0;
      for (int i = 0; i < 8; ++i) z += term(i);
      for (int i = 0; i < 8; ++i)
        want[static_cast<size_t>(s * 8 + i)] +=
            z != 0.0 ? term(i) * r_out[static_cast<size_t>(s * 16 + k)] / z : 0.0;
    }
  }
  EXPECT_LE(rel_diff(want, r_in), 1e-5);
}

TEST(Rap, MergesABatchnormAfterALinearLayer) {
  // linear → batchnorm1d → relu merges into one affine layer: conservation still holds.
  RandomNet n = random_net(Shape{8},
                           {Layer::linear("l1", 8, 16), Layer::batchnorm1d("bn", 16),
                            Layer::relu("a1"), Layer::linear("l2", 16, 3)},
                           21, Shape{5, 8});
  const std::vector<float> stats = uniform_values(16, 22, 0.5f, 1.5f);
  std::copy(stats.begin(), stats.end(), n.model.parameter("bn.running_var"));
  std::copy(stats.begin(), stats.end(), n.model.parameter("bn.weight"));
  const std::vector<float> x = input_for(n, 23);
  std::vector<float> r(x.size()), y(15);
  std::vector<int32_t> chosen(5);
  Arena arena;
  ASSERT_TRUE(
      rap(n.model, x.data(), n.shape, Target{}, arena, r.data(), y.data(), chosen.data()).ok());
  for (int s = 0; s < 5; ++s) {
    double sum = 0.0;
    for (int j = 0; j < 8; ++j) sum += r[static_cast<size_t>(s * 8 + j)];
    const double logit = y[static_cast<size_t>(s * 3 + chosen[static_cast<size_t>(s)])];
    EXPECT_NEAR(sum, logit, 1e-4 * std::max(1.0, std::fabs(logit)));
  }
}

TEST(Rap, RefusesGruModels) {
  Result<Model> m =
      Model::create(Shape{0, 3}, {Layer::gru("rnn", 3, 4, false), Layer::linear("fc", 4, 2)});
  ASSERT_TRUE(m.ok());
  m->init_default(1);
  const std::vector<float> x(2 * 5 * 3, 0.5f);
  std::vector<float> r(x.size());
  Arena arena;
  const Status s = rap(*m, x.data(), Shape{2, 5, 3}, Target{}, arena, r.data());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("GRU"), std::string::npos) << s.message();
}

TEST(Rap, RefusesAPoolAfterTheTargetLayer) {
  // conv1d then global average pool: the logits are not one conv output each.
  const RandomNet n = random_net(
      Shape{3, 12}, {Layer::conv1d("c1", 3, 4, 3, 1, 1, true), Layer::global_avgpool("g")}, 1,
      Shape{2, 3, 12});
  const std::vector<float> x = input_for(n, 2);
  std::vector<float> r(x.size());
  Arena arena;
  const Status s = rap(n.model, x.data(), n.shape, Target{}, arena, r.data());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("follows the target layer c1"), std::string::npos)
      << s.message();
}

TEST(Rap, IsRegisteredWithoutKeys) {
  const Method* m = find_method("rap");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->keys.empty());
  const RandomNet n = random_mlp(Activation::kRelu, true, 3);
  const std::vector<float> x = input_for(n, 4);
  std::vector<float> a(x.size()), b(x.size());
  Request req;
  req.model = &n.model;
  req.x = x.data();
  req.shape = n.shape;
  Arena arena;
  ASSERT_TRUE(run_method("rap", req, arena, a.data()).ok());
  ASSERT_TRUE(rap(n.model, x.data(), n.shape, Target{}, arena, b.data()).ok());
  EXPECT_EQ(a, b);
  req.settings = {{"epsilon", "1"}};
  EXPECT_EQ(run_method("rap", req, arena, a.data()).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace salient::explain
