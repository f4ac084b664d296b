// SPEC §8 identities 4-5: DeepLIFT against IG, and completeness/conservation.
#include "salient/explain/integrated_gradients.h"
#include "salient/explain/lrp.h"
#include "table.h"

namespace salient::explain::equivalence {

double l1_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    s += std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
  return s;
}

// IG with m midpoint steps against DeepLIFT. The note measures the order of IG's error: the summed
// |IG − DeepLIFT| over every entry of every net at a small m0 and at 4·m0 (the max over entries at
// large m is dominated by a few kinks and by float32 rounding).
void identity4(Table& t) {
  struct Case {
    const char* id;
    const char* condition;
    Activation a;
    bool control;
    int steps, order_steps;
    double threshold;
  };
  const Case cases[] = {
      {"4 (ReLU)", "linear, ReLU, linear readout; biases; baseline 0; IG midpoint, m = 1000",
       Activation::kRelu, false, 1000, 16, 1e-2},
      {"4 (tanh)", "linear, tanh, linear readout; biases; baseline 0; IG midpoint, m = 100",
       Activation::kTanh, false, 100, 4, 1e-3},
      {"4 control", "two ReLU layers (MLP), biases; IG midpoint, m = 1000", Activation::kRelu, true,
       1000, 0, kControl},
  };
  for (const Case& c : cases) {
    EquivalenceRow& r =
        t.row(c.id, c.condition, "deeplift", "integrated-gradients", c.threshold, c.control);
    double err_m = 0.0, err_4m = 0.0;
    for (uint64_t s = 1; s <= (c.control ? 1u : 3u); ++s) {
      const RandomNet n = c.control ? random_mlp(c.a, true, t.seed * 100 + 95)
                                    : random_one_hidden(c.a, true, t.seed * 100 + s);
      const std::vector<float> x = t.input(n, 6, -2.0f, 2.0f);
      const std::vector<float> dl = t.run(n, x, "deeplift");
      const std::vector<float> ig =
          t.run(n, x, "integrated-gradients",
                {{"n_steps", std::to_string(c.steps)}, {"method", "riemann_middle"}});
      Table::add(r, dl, ig);
      if (c.control) continue;
      for (int k : {1, 4}) {
        const std::vector<float> igk =
            t.run(n, x, "integrated-gradients",
                  {{"n_steps", std::to_string(k * c.order_steps)}, {"method", "riemann_middle"}});
        (k == 1 ? err_m : err_4m) += l1_difference(dl, igk);
      }
    }
    if (!c.control && err_4m > 0.0) {
      char note[160];
      std::snprintf(note, sizeof note,
                    "summed |IG - DeepLIFT| %.3e at m = %d, %.3e at m = %d: observed order %.2f",
                    err_m, c.order_steps, err_4m, 4 * c.order_steps,
                    std::log(err_m / err_4m) / std::log(4.0));
      r.note = note;
    }
  }
}

void identity5(Table& t) {
  {
    EquivalenceRow& r = t.row("5", "ReLU/tanh/sigmoid MLPs and CNNs, biases, random baselines",
                              "sum deeplift", "F(x) - F(baseline)", kExact);
    std::vector<RandomNet> nets = relu_nets(true, t.seed);
    nets.push_back(random_mlp(Activation::kTanh, true, t.seed * 100 + 41));
    nets.push_back(random_mlp(Activation::kSigmoid, true, t.seed * 100 + 42));
    for (const RandomNet& n : nets) {
      const std::vector<float> x = t.input(n, 7);
      const std::vector<float> b = t.input(n, 8);
      const std::vector<float> a = t.run(n, x, "deeplift", {}, b.data());
      Table::add_sums(r, a, n.shape[0], t.output_difference(n, x, b.data()));
    }
  }
  {
    EquivalenceRow& r =
        t.row("5", "tanh/sigmoid MLPs, biases, random baselines; IG Gauss-Legendre, m = 64",
              "sum integrated-gradients", "F(x) - F(baseline)", kExact);
    for (Activation a : {Activation::kTanh, Activation::kSigmoid})
      for (uint64_t s = 1; s <= 2; ++s) {
        const RandomNet n =
            random_mlp(a, true, t.seed * 100 + 43 + s + 2 * static_cast<uint64_t>(a));
        const std::vector<float> x = t.input(n, 9);
        const std::vector<float> b = t.input(n, 10);
        const std::vector<float> attr =
            t.run(n, x, "integrated-gradients", {{"n_steps", "64"}}, b.data());
        Table::add_sums(r, attr, n.shape[0], t.output_difference(n, x, b.data()));
      }
  }
  // Per-layer conservation: nets of one linear/conv layer (a flatten after convs), no bias.
  std::vector<RandomNet> single;
  single.push_back(
      random_net(Shape{32}, {Layer::linear("l", 32, 4, false)}, t.seed * 100 + 51, Shape{5, 32}));
  // (20-32 inputs per output, no padding: αβ's D_β = W⁻x⁺ + W⁺x⁻ vanishes only when every term has
  // one sign, which the argmax target favours on small fields)
  single.push_back(random_net(Shape{4, 12},
                              {Layer::conv1d("c", 4, 2, 5, 2, 0, false), Layer::flatten("f")},
                              t.seed * 100 + 52, Shape{4, 4, 12}));
  single.push_back(
      random_net(Shape{3, 7, 7},
                 {Layer::conv2d("c", 3, 2, {3, 3}, {2, 2}, {0, 0}, false), Layer::flatten("f")},
                 t.seed * 100 + 53, Shape{3, 3, 7, 7}));
  struct Rule {
    const char* label;
    const char* rule;  // on every linear/conv layer (null: the lrp-zbox method)
  };
  for (const Rule& rule : {Rule{"lrp-0", "zero"}, Rule{"lrp-epsilon", "epsilon"},
                           Rule{"lrp-zplus", "zplus"}, Rule{"lrp-alpha-beta (2, 1)", "alpha-beta"},
                           Rule{"lrp-wsquare", "wsquare"}, Rule{"lrp-zbox", nullptr}}) {
    EquivalenceRow& r =
        t.row("5", "per-layer conservation: single linear/conv1d/conv2d layers, no bias",
              (std::string("sum ") + rule.label).c_str(), "F(x)", kExact);
    for (const RandomNet& n : single) {
      const std::vector<float> x = t.input(n, 11);
      const std::vector<float> a = rule.rule ? t.run(n, x, "lrp-epsilon", all_layers(n, rule.rule))
                                             : t.run(n, x, "lrp-zbox");
      Table::add_sums(r, a, n.shape[0], t.output_difference(n, x, nullptr));
    }
  }
  {
    EquivalenceRow& r = t.row("5", "whole-net conservation: bias-free ReLU MLPs/CNNs with pools",
                              "sum lrp-epsilon (explicit)", "F(x)", kExact);
    for (const RandomNet& n : relu_nets(false, t.seed)) {
      const std::vector<float> x = t.input(n, 11);
      Table::add_sums(r, t.run(n, x, "lrp-epsilon", all_layers(n, "epsilon")), n.shape[0],
                      t.output_difference(n, x, nullptr));
    }
  }
  EquivalenceRow& c = t.row("5 control", "ReLU MLP with biases", "sum lrp-epsilon (explicit)",
                            "F(x)", kControl, true);
  const RandomNet n = random_mlp(Activation::kRelu, true, t.seed * 100 + 45);
  const std::vector<float> x = t.input(n, 12);
  Table::add_sums(c, t.run(n, x, "lrp-epsilon", all_layers(n, "epsilon")), n.shape[0],
                  t.output_difference(n, x, nullptr));
}

}  // namespace salient::explain::equivalence
