// SPEC §8 identities 6-7: LRP rule identities, guided backprop and deconvnet.
#include "salient/explain/lrp.h"
#include "table.h"

namespace salient::explain::equivalence {

void identity6(Table& t) {
  const std::vector<RandomNet> nets = relu_nets(true, t.seed);
  {
    EquivalenceRow& r = t.row("6", "ReLU MLPs/CNNs, biases", "lrp-zplus",
                              "lrp-alpha-beta (alpha 1, beta 0)", kExact);
    for (const RandomNet& n : nets) {
      const std::vector<float> x = t.input(n, 13);
      Table::add(r, t.run(n, x, "lrp-zplus"),
                 t.run(n, x, "lrp-alpha-beta", {{"alpha", "1"}, {"beta", "0"}}));
    }
  }
  {
    EquivalenceRow& r = t.row("6", "ReLU MLPs/CNNs, biases", "lrp-gamma (gamma 0)",
                              "lrp-0 (rule.LAYER=zero)", kExact);
    for (const RandomNet& n : nets) {
      const std::vector<float> x = t.input(n, 14);
      Table::add(r, t.run(n, x, "lrp-gamma", {{"gamma", "0"}}),
                 t.run(n, x, "lrp-epsilon", all_layers(n, "zero")));
    }
  }
  {
    // Single bias-free layers (the rule identity itself; Captum's γ keeps b unscaled, so with a
    // bias its limit is the bias-free z⁺): x >= 0 makes z⁺'s D = W⁺x > 0, and γ's
    // z = (W + γW⁺)x → γD > 0.
    EquivalenceRow& r = t.row(
        "6",
        "single bias-free linear/conv2d layers, inputs in [0, 1], gamma = 1e4 (error ~ 1/gamma)",
        "lrp-gamma (gamma 1e4)", "lrp-zplus", 1e-3);
    std::vector<RandomNet> layers;
    for (uint64_t s = 1; s <= 2; ++s) {
      layers.push_back(random_net(Shape{16}, {Layer::linear("l", 16, 4, false)},
                                  t.seed * 100 + 54 + s, Shape{5, 16}));
      layers.push_back(
          random_net(Shape{2, 6, 6},
                     {Layer::conv2d("c", 2, 2, {3, 3}, {1, 1}, {0, 0}, false), Layer::flatten("f")},
                     t.seed * 100 + 56 + s, Shape{3, 2, 6, 6}));
    }
    for (const RandomNet& n : layers) {
      const std::vector<float> x = t.input(n, 15, 0.0f, 1.0f);
      Table::add(r, t.run(n, x, "lrp-zplus"), t.run(n, x, "lrp-gamma", {{"gamma", "1e4"}}));
    }
  }
  {
    EquivalenceRow& r =
        t.row("6", "ReLU MLPs, first layer W := 1, b := 0", "lrp-flat", "lrp-wsquare", kExact);
    for (uint64_t s = 1; s <= 3; ++s) {
      RandomNet n = random_mlp(Activation::kRelu, true, t.seed * 100 + 46 + s);
      std::fill(n.model.parameter("l1.weight"), n.model.parameter("l1.weight") + 8 * 16, 1.0f);
      std::fill(n.model.parameter("l1.bias"), n.model.parameter("l1.bias") + 16, 0.0f);
      const std::vector<float> x = t.input(n, 16);
      Table::add(r, t.run(n, x, "lrp-wsquare"), t.run(n, x, "lrp-flat"));
    }
  }
  EquivalenceRow& c = t.row("6 control", "ReLU MLPs, biases; gamma = 0.25",
                            "lrp-gamma (gamma 0.25)", "lrp-0", kControl, true);
  for (uint64_t s = 1; s <= 2; ++s) {
    const RandomNet n = random_mlp(Activation::kRelu, true, t.seed * 100 + 48 + s);
    const std::vector<float> x = t.input(n, 17);
    Table::add(c, t.run(n, x, "lrp-epsilon", all_layers(n, "zero")), t.run(n, x, "lrp-gamma"));
  }
}

// An MLP whose layers after the first have |W| (every upstream signal at a ReLU is then >= 0).
RandomNet positive_downstream(uint64_t seed, bool positive) {
  RandomNet n = random_mlp(Activation::kRelu, true, seed);
  if (positive)
    for (const char* p : {"l2.weight", "l3.weight"}) {
      const Parameter* param = nullptr;
      for (const Parameter& q : n.model.parameters())
        if (q.name == p) param = &q;
      SALIENT_ASSERT(param);
      float* w = n.model.parameter(p);
      for (int64_t i = 0; i < param->shape.numel(); ++i) w[i] = std::fabs(w[i]);
    }
  return n;
}

void identity7(Table& t) {
  {
    EquivalenceRow& r =
        t.row("7", "ReLU MLPs, non-negative weights after the first layer (upstream signals >= 0)",
              "guided-backprop", "saliency (abs=false)", kExact);
    for (uint64_t s = 1; s <= 3; ++s) {
      const RandomNet n = positive_downstream(t.seed * 100 + s, true);
      const std::vector<float> x = t.input(n, 18);
      Table::add(r, t.run(n, x, "saliency", {{"abs", "false"}}), t.run(n, x, "guided-backprop"));
    }
    EquivalenceRow& c = t.row("7 control", "ReLU MLP, weights of both signs", "guided-backprop",
                              "saliency (abs=false)", kControl, true);
    const RandomNet n = positive_downstream(t.seed * 100 + 4, false);
    const std::vector<float> x = t.input(n, 19);
    Table::add(c, t.run(n, x, "saliency", {{"abs", "false"}}), t.run(n, x, "guided-backprop"));
  }
  // Deconvnet ignores forward masks: on a pool-free ReLU net its map is the same at any input.
  {
    EquivalenceRow& r = t.row("7", "pool-free ReLU MLPs, target column 0, two different inputs",
                              "deconvnet (x)", "deconvnet (x')", kExact);
    EquivalenceRow& c =
        t.row("7 control", "the same nets and inputs; the gradient keeps the forward masks",
              "saliency (x)", "saliency (x')", kControl, true);
    for (uint64_t s = 1; s <= 3; ++s) {
      const RandomNet n = random_mlp(Activation::kRelu, true, t.seed * 100 + 60 + s);
      const std::vector<int32_t> zero(static_cast<size_t>(n.shape[0]), 0);
      const std::vector<float> x = t.input(n, 20), y = t.input(n, 21);
      Table::add(r, t.run(n, x, "deconvnet", {}, nullptr, zero.data()),
                 t.run(n, y, "deconvnet", {}, nullptr, zero.data()));
      Table::add(c, t.run(n, x, "saliency", {{"abs", "false"}}, nullptr, zero.data()),
                 t.run(n, y, "saliency", {{"abs", "false"}}, nullptr, zero.data()));
    }
  }
}

}  // namespace salient::explain::equivalence
