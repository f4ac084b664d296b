// SPEC §8 identity 8: RAP conserves the target logit. After the target layer every relevance has
// the sign of y_c and they sum to y_c (absolute influence normalisation); every later layer keeps
// Σ R (uniform shifting, zB at the first layer), so Σ R_input = y_c on ReLU/pool nets without
// batchnorm. Control: a batchnorm after a ReLU (not mergeable) feeds mixed-sign inputs to the next
// layer, whose x⁻ branch adds a second Σ R (reference/lrp_rap.md §1).
#include "salient/explain/rap.h"
#include "table.h"

namespace salient::explain::equivalence {
namespace {

// RAP at x, with the relevance at the target layer's input and the target logits y_c.
struct RapRun {
  std::vector<float> input, target_input, logits;
};

RapRun run_rap(Table& t, const RandomNet& n, const std::vector<float>& x) {
  RapRun out;
  out.input.assign(x.size(), 0.0f);
  if (!t.error.ok()) return out;
  Result<Shape> y_shape = n.model.output_shape(n.shape);
  if (!y_shape.ok()) {
    t.error = y_shape.status();
    return out;
  }
  const int64_t rows = n.shape[0], classes = y_shape->numel() / rows;
  std::vector<float> y(static_cast<size_t>(y_shape->numel()));
  std::vector<int32_t> chosen(static_cast<size_t>(rows));
  Arena arena;
  const Status s = rap(n.model, x.data(), n.shape, Target{}, arena, out.input.data(), y.data(),
                       chosen.data(), &out.target_input);
  if (!s.ok()) {
    t.error = s;
    return out;
  }
  for (int64_t i = 0; i < rows; ++i)
    out.logits.push_back(y[static_cast<size_t>(i * classes + chosen[static_cast<size_t>(i)])]);
  return out;
}

// Whether each sample's target-layer input has a nonzero entry. Where it is all zero (every unit
// below dead, which a random CNN often does) y_c is the bias alone and nothing can carry it: RAP
// gives 0, as the reference, and the sample is left out of the sums.
std::vector<bool> live_samples(const RandomNet& n, const std::vector<float>& x) {
  std::vector<bool> live(static_cast<size_t>(n.shape[0]), true);
  Arena arena;
  Graph g(arena);
  n.model.forward(g, g.input(x.data(), n.shape));
  int32_t target = -1;
  for (int32_t i = 0; i < g.node_count(); ++i)
    if (is_relevance_layer(g.node(i).kind)) target = i;
  if (target < 0) return live;
  const Value& in = g.value(g.node(target).in[0]);
  const int64_t per = in.shape.numel() / in.shape[0];
  for (int64_t s = 0; s < in.shape[0]; ++s)
    live[static_cast<size_t>(s)] =
        std::any_of(in.data + s * per, in.data + (s + 1) * per, [](float v) { return v != 0.0f; });
  return live;
}

// Adds Σ_sample relevance vs y_c over the live samples.
void add_live_sums(EquivalenceRow& row, const std::vector<float>& relevance,
                   const std::vector<float>& logits, const std::vector<bool>& live) {
  std::vector<float> sums, want;
  const size_t per = relevance.size() / logits.size();
  for (size_t i = 0; i < logits.size(); ++i) {
    if (!live[i]) continue;
    double s = 0.0;
    for (size_t j = 0; j < per; ++j) s += relevance[i * per + j];
    sums.push_back(static_cast<float>(s));
    want.push_back(logits[i]);
  }
  if (!want.empty()) Table::add(row, want, sums);
}

// R and sign(y_c)·|R| per sample: equal iff every relevance has the sign of its target logit.
std::vector<float> with_logit_sign(const std::vector<float>& r, const std::vector<float>& logits) {
  std::vector<float> out(r.size());
  const size_t per = r.size() / logits.size();
  for (size_t i = 0; i < r.size(); ++i)
    out[i] = logits[i / per] < 0.0f ? -std::fabs(r[i]) : std::fabs(r[i]);
  return out;
}

// A ReLU MLP / CNN with a batchnorm after the first ReLU whose running mean (drawn in [0, 1])
// makes its outputs of both signs.
RandomNet batchnorm_after_relu(bool conv, uint64_t seed) {
  RandomNet n =
      conv ? random_net(Shape{2, 8, 8},
                        {Layer::conv2d("c1", 2, 4, {3, 3}, {1, 1}, {1, 1}, true), Layer::relu("a1"),
                         Layer::batchnorm2d("bn", 4), Layer::maxpool2d("p1", {2, 2}),
                         Layer::conv2d("c2", 4, 4, {3, 3}, {1, 1}, {0, 0}, true), Layer::relu("a2"),
                         Layer::avgpool2d("p2", {2, 2}), Layer::flatten("f"),
                         Layer::linear("fc", 4, 3, true)},
                        seed, Shape{3, 2, 8, 8})
           : random_net(Shape{8},
                        {Layer::linear("l1", 8, 16, true), Layer::relu("a1"),
                         Layer::batchnorm1d("bn", 16), Layer::linear("l2", 16, 12, true),
                         Layer::relu("a2"), Layer::linear("l3", 12, 4, true)},
                        seed, Shape{5, 8});
  const int features = conv ? 4 : 16;
  const std::vector<float> mean =
      uniform_values(static_cast<size_t>(features), static_cast<uint32_t>(seed), 0.0f, 1.0f);
  std::copy(mean.begin(), mean.end(), n.model.parameter("bn.running_mean"));
  return n;
}

}  // namespace

void identity8(Table& t) {
  const std::vector<RandomNet> nets = relu_nets(true, t.seed);
  EquivalenceRow& sum = t.row("8",
                              "ReLU MLPs/CNNs, biases, max/avg pools, no batchnorm; samples whose "
                              "target-layer input is not all zero",
                              "sum of rap (input)", "target logit y_c", kExact);
  EquivalenceRow& after = t.row("8", "the same nets: relevance at the target layer's input",
                                "sum of rap (target input)", "target logit y_c", kExact);
  EquivalenceRow& sign = t.row("8", "the same nets: relevance at the target layer's input",
                               "rap (target input)", "sign(y_c)·|rap|", kExact);
  for (const RandomNet& n : nets) {
    const std::vector<float> x = t.input(n, 22);
    const RapRun r = run_rap(t, n, x);
    if (!t.error.ok()) return;
    const std::vector<bool> live = live_samples(n, x);
    add_live_sums(sum, r.input, r.logits, live);
    add_live_sums(after, r.target_input, r.logits, live);
    Table::add(sign, with_logit_sign(r.target_input, r.logits), r.target_input);
  }
  EquivalenceRow& c = t.row("8 control", "batchnorm after a ReLU (mixed-sign inputs downstream)",
                            "sum of rap (input)", "target logit y_c", kControl, true);
  for (uint64_t s = 1; s <= 2; ++s)
    for (bool conv : {false, true}) {
      const RandomNet n = batchnorm_after_relu(conv, t.seed * 100 + 70 + s);
      const RapRun r = run_rap(t, n, t.input(n, 23));
      if (!t.error.ok()) return;
      Table::add_sums(c, r.input, n.shape[0], r.logits);
    }
}

}  // namespace salient::explain::equivalence
