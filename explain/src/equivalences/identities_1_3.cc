// SPEC §8 identities 1-3: ε-LRP against Gradient×Input, its two forms, and DeepLIFT.
#include "table.h"

namespace salient::explain::equivalence {

void identity1(Table& t) {
  EquivalenceRow& r = t.row("1", "ReLU MLPs/CNNs, biases, max/avg pools; eps = 1e-12",
                            "lrp-epsilon", "input-x-gradient", kExact);
  for (const RandomNet& n : relu_nets(true, t.seed)) {
    const std::vector<float> x = t.input(n, 1);
    Table::add(r, t.run(n, x, "input-x-gradient"),
               t.run(n, x, "lrp-epsilon", {{"epsilon", "1e-12"}}));
  }
  for (Activation a : {Activation::kTanh, Activation::kSigmoid}) {
    EquivalenceRow& c = t.row("1 control", a == Activation::kTanh ? "tanh MLP" : "sigmoid MLP",
                              "lrp-epsilon", "input-x-gradient", kControl, true);
    const RandomNet n = random_mlp(a, true, t.seed * 100 + 40);
    const std::vector<float> x = t.input(n, 2);
    Table::add(c, t.run(n, x, "input-x-gradient"), t.run(n, x, "lrp-epsilon"));
  }
}

void identity2(Table& t) {
  EquivalenceRow& r = t.row(
      "2", "ReLU/tanh/sigmoid MLPs and CNNs (any f), biases, pools; |z| >= 1e-4 (sigmoid 1e-2)",
      "lrp-epsilon (modified gradient)", "lrp-epsilon (explicit, rule.L=epsilon)", kExact);
  std::vector<RandomNet> nets;
  for (Activation a : {Activation::kRelu, Activation::kTanh, Activation::kSigmoid})
    for (bool bias : {false, true})
      nets.push_back(random_mlp(a, bias, t.seed * 100 + 50 + static_cast<uint64_t>(a) * 2 + bias));
  for (Activation a : {Activation::kRelu, Activation::kTanh}) {
    nets.push_back(random_cnn(a, true, true, t.seed * 100 + 60 + static_cast<uint64_t>(a)));
    nets.push_back(random_cnn1d(a, true, t.seed * 100 + 70 + static_cast<uint64_t>(a)));
  }
  for (const RandomNet& n : nets) {
    const std::vector<float> x = t.input_away_from_zero(n, 3);
    Table::add(r, t.run(n, x, "lrp-epsilon"),
               t.run(n, x, "lrp-epsilon", {{"rule." + n.model.layers()[0].name, "epsilon"}}));
  }
}

void identity3(Table& t) {
  EquivalenceRow& r =
      t.row("3", "no biases, f(0) = 0 (ReLU nets with pools, tanh MLPs); baseline 0; eps = 1e-12",
            "lrp-epsilon", "deeplift", kExact);
  std::vector<RandomNet> nets = relu_nets(false, t.seed);
  for (uint64_t s = 1; s <= 3; ++s)
    nets.push_back(random_mlp(Activation::kTanh, false, t.seed * 100 + 80 + s));
  for (const RandomNet& n : nets) {
    const std::vector<float> x = t.input(n, 4);
    Table::add(r, t.run(n, x, "deeplift"), t.run(n, x, "lrp-epsilon", {{"epsilon", "1e-12"}}));
  }
  struct Control {
    const char* condition;
    Activation a;
    bool bias;
  };
  for (const Control& c :
       {Control{"ReLU MLP with biases", Activation::kRelu, true},
        Control{"tanh MLP with biases", Activation::kTanh, true},
        Control{"sigmoid MLP (f(0) = 1/2), no biases", Activation::kSigmoid, false}}) {
    EquivalenceRow& row =
        t.row("3 control", c.condition, "lrp-epsilon", "deeplift", kControl, true);
    const RandomNet n = random_mlp(c.a, c.bias, t.seed * 100 + 90);
    const std::vector<float> x = t.input(n, 5);
    Table::add(row, t.run(n, x, "deeplift"), t.run(n, x, "lrp-epsilon"));
  }
}

}  // namespace salient::explain::equivalence
