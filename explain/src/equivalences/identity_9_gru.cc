// SPEC §8 identity 9: GRU ε-LRP with bias_factor = 1 conserves, Σ_t Σ R_x(t) + Σ R_h0 = f_c(x), and
// the gate inputs get exactly 0. Controls: bias_factor = 0 loses the bias shares; the gradient does
// reach x through the gates.
#include "salient/explain/gru_rules.h"
#include "table.h"

namespace salient::explain::equivalence {
namespace {

// GRU nets whose readout has no bias (a readout bias would absorb relevance): last step → linear,
// all steps → flatten → linear, last step → tanh → linear.
std::vector<RandomNet> gru_nets(uint64_t seed) {
  std::vector<RandomNet> nets;
  for (uint64_t s = 0; s < 2; ++s) {
    const uint64_t base = seed * 100 + 90 + 3 * s;
    nets.push_back(random_net(Shape{5, 3},
                              {Layer::gru("g", 3, 6, false), Layer::linear("fc", 6, 3, false)},
                              base, Shape{4, 5, 3}));
    nets.push_back(random_net(
        Shape{4, 2},
        {Layer::gru("g", 2, 5, true), Layer::flatten("f"), Layer::linear("fc", 20, 2, false)},
        base + 1, Shape{3, 4, 2}));
    nets.push_back(random_net(
        Shape{7, 4},
        {Layer::gru("g", 4, 8, false), Layer::tanh("t"), Layer::linear("fc", 8, 3, false)},
        base + 2, Shape{2, 7, 4}));
  }
  return nets;
}

// Σ R_x + Σ R_h0 per sample against y_c.
void add_conservation(Table& t, EquivalenceRow& r, const RandomNet& n, const std::vector<float>& x,
                      float bias_factor) {
  if (!t.error.ok()) return;
  const size_t rows = static_cast<size_t>(n.shape[0]);
  std::vector<float> r_x(x.size()), r_h0(rows), y_c(rows);
  GruLrpParams p;
  p.bias_factor = bias_factor;
  Arena arena;
  const Status s = gru_epsilon_relevance(n.model, x.data(), n.shape, Target{}, p, arena, r_x.data(),
                                         r_h0.data(), y_c.data());
  if (!s.ok()) {
    t.error = s;
    return;
  }
  std::vector<float> want = y_c;
  for (size_t i = 0; i < rows; ++i) want[i] -= r_h0[i];  // Σ R_x = y_c − Σ R_h0
  Table::add_sums(r, r_x, n.shape[0], want);
}

// max|a| of `method` on the net with W_in := 0, relative to max|a| with W_in kept.
void add_without_candidate_input(Table& t, EquivalenceRow& r, const RandomNet& n,
                                 const std::vector<float>& x, const char* method) {
  const std::vector<float> kept = t.run(n, x, method);
  RandomNet cut{n.model, n.shape};
  const int64_t h = n.model.layer("g")->hidden_size, in = n.shape[2];
  std::fill_n(cut.model.parameter("g.weight_ih_l0") + 2 * h * in, h * in, 0.0f);
  const std::vector<float> zeroed = t.run(cut, x, method);
  const std::vector<float> zero(x.size(), 0.0f);
  r.max_abs = std::max(r.max_abs, absolute_difference(zero, zeroed));
  r.max_rel = std::max(r.max_rel, absolute_difference(zero, zeroed) /
                                      std::max(absolute_difference(zero, kept), 1e-30));
  ++r.nets;
}

}  // namespace

void identity9(Table& t) {
  const std::vector<RandomNet> nets = gru_nets(t.seed);
  {
    EquivalenceRow& r = t.row("9", "GRU nets, bias-free readouts, bias_factor 1",
                              "sum lrp-epsilon + sum R_h0", "F(x)", kExact);
    for (const RandomNet& n : nets) add_conservation(t, r, n, t.input(n, 90), 1.0f);
  }
  {
    EquivalenceRow& r = t.row("9", "GRU nets with W_in := 0 (x reaches n only through the gates)",
                              "lrp-epsilon (W_in := 0)", "0", kExact);
    for (const RandomNet& n : nets)
      add_without_candidate_input(t, r, n, t.input(n, 91), "lrp-epsilon");
  }
  {
    EquivalenceRow& c = t.row("9 control", "GRU nets, bias_factor 0", "sum lrp-epsilon + sum R_h0",
                              "F(x)", kControl, true);
    for (const RandomNet& n : nets) add_conservation(t, c, n, t.input(n, 90), 0.0f);
  }
  EquivalenceRow& c = t.row("9 control", "GRU nets with W_in := 0", "input-x-gradient (W_in := 0)",
                            "0", kControl, true);
  for (const RandomNet& n : nets)
    add_without_candidate_input(t, c, n, t.input(n, 91), "input-x-gradient");
}

}  // namespace salient::explain::equivalence
