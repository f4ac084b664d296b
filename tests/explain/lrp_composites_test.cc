// Zennit's composites (SPEC §5, reference/lrp_rap.md §2) are per-layer rule assignments: each must
// equal assigning the same rules by hand with rule.LAYER.
//   lrp-epsilon-plus:         ε on linear, z⁺ on conv
//   lrp-epsilon-alpha2-beta1: ε on linear, αβ(2, 1) on conv
//   lrp-epsilon-gamma-box:    zB on the first linear/conv layer, γ on conv, ε on linear
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "salient/explain/equivalences.h"
#include "salient/explain/methods.h"

namespace salient::explain {
namespace {

std::vector<float> run(const RandomNet& n, const std::vector<float>& x, const char* method, std::vector<Setting> settings = {}) {
  Request r;
  r.model = &n.model;
  r.x = x.data();
  r.shape = n.shape;
  r.settings = std::move(settings);
  std::vector<float> a(x.size());
  Arena arena;
  const Status s = run_method(method, r, arena, a.data());
  EXPECT_TRUE(s.ok()) << method << ": " << s.message();
  return a;
}

std::vector<RandomNet> nets() {
  std::vector<RandomNet> out;
  out.push_back(random_cnn(Activation::kRelu, true, true, 3));   // c1, c2 (conv2d), fc
  out.push_back(random_cnn(Activation::kRelu, true, false, 4));
  out.push_back(random_cnn1d(Activation::kRelu, true, 5));       // c1 (conv1d), fc
  out.push_back(random_mlp(Activation::kRelu, true, 6));         // l1, l2, l3: no conv
  return out;
}

bool is_conv(const Layer& l) { return l.type == OpKind::kConv1d || l.type == OpKind::kConv2d; }

// rule.LAYER for every linear/conv layer: `first` on the first one (if not null), `conv` on convs,
// `dense` on linear layers.
std::vector<Setting> by_hand(const RandomNet& n, const char* dense, const char* conv, const char* first = nullptr) {
  std::vector<Setting> s;
  bool seen_first = false;
  for (const Layer& l : n.model.layers()) {
    if (l.type != OpKind::kLinear && !is_conv(l)) continue;
    const char* rule = !seen_first && first ? first : is_conv(l) ? conv : dense;
    seen_first = true;
    s.push_back({"rule." + l.name, rule});
  }
  return s;
}

TEST(LrpComposites, EqualTheRulesAssignedByHand) {
  for (const RandomNet& n : nets()) {
    const std::vector<float> x = uniform_values(static_cast<size_t>(n.shape.numel()), 17);
    // lrp-epsilon's explicit form with ε = 1e-9 and αβ's (2, 1) defaults carries every rule.
    EXPECT_LT(relative_difference(run(n, x, "lrp-epsilon", by_hand(n, "epsilon", "zplus")), run(n, x, "lrp-epsilon-plus")), 1e-6);
    EXPECT_LT(relative_difference(run(n, x, "lrp-epsilon", by_hand(n, "epsilon", "alpha-beta")),
                                  run(n, x, "lrp-epsilon-alpha2-beta1")),
              1e-6);
    EXPECT_LT(relative_difference(run(n, x, "lrp-gamma", by_hand(n, "epsilon", "gamma", "zbox")), run(n, x, "lrp-epsilon-gamma-box")),
              1e-6);
    // Keys reach their rules: γ and the zB bounds.
    std::vector<Setting> manual = by_hand(n, "epsilon", "gamma", "zbox");
    EXPECT_LT(relative_difference(run(n, x, "lrp-gamma", [&] {
                                    std::vector<Setting> s = manual;
                                    s.push_back({"gamma", "0.5"});
                                    return s;
                                  }()),
                                  run(n, x, "lrp-epsilon-gamma-box", {{"gamma", "0.5"}})),
              1e-6);
    std::vector<Setting> with_bounds = manual;
    with_bounds.push_back({"low", "-1"});
    with_bounds.push_back({"high", "1"});
    EXPECT_LT(relative_difference(run(n, x, "lrp-zbox", with_bounds),
                                  run(n, x, "lrp-epsilon-gamma-box", {{"low", "-1"}, {"high", "1"}})),
              1e-6);
    std::vector<Setting> eps = by_hand(n, "epsilon", "zplus");
    eps.push_back({"epsilon", "0.01"});
    EXPECT_LT(relative_difference(run(n, x, "lrp-epsilon", eps), run(n, x, "lrp-epsilon-plus", {{"epsilon", "0.01"}})), 1e-6);
  }
}

TEST(LrpComposites, DifferFromEachOtherOnConvNetsAndAcceptOverrides) {
  const RandomNet n = random_cnn(Activation::kRelu, true, true, 8);
  const std::vector<float> x = uniform_values(static_cast<size_t>(n.shape.numel()), 2);
  const std::vector<float> plus = run(n, x, "lrp-epsilon-plus");
  EXPECT_GT(relative_difference(plus, run(n, x, "lrp-epsilon-alpha2-beta1")), 1e-3);
  EXPECT_GT(relative_difference(plus, run(n, x, "lrp-epsilon-gamma-box")), 1e-3);
  // rule.LAYER comes last: z⁺ on the dense layer too is lrp-zplus.
  EXPECT_LT(relative_difference(run(n, x, "lrp-zplus"), run(n, x, "lrp-epsilon-plus", {{"rule.fc", "zplus"}})), 1e-6);
  Request r;
  r.model = &n.model;
  r.x = x.data();
  r.shape = n.shape;
  std::vector<float> a(x.size());
  Arena arena;
  r.settings = {{"alpha", "3"}};
  EXPECT_FALSE(run_method("lrp-epsilon-alpha2-beta1", r, arena, a.data()).ok());
  r.settings = {{"low", "-1,0"}, {"high", "1"}};
  EXPECT_FALSE(run_method("lrp-epsilon-gamma-box", r, arena, a.data()).ok());
}

TEST(LrpComposites, AreRegisteredWithTheirKeys) {
  for (const char* name : {"lrp-epsilon-plus", "lrp-epsilon-alpha2-beta1", "lrp-epsilon-gamma-box"}) {
    const Method* m = find_method(name);
    ASSERT_NE(m, nullptr) << name;
    std::vector<std::string> keys;
    for (const MethodKey& k : m->keys) keys.push_back(k.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"epsilon", "gamma", "low", "high", "rule.LAYER",
                                              "convention", "relevance_at", "bias_factor"}))
        << name;
    EXPECT_STREQ(m->keys[0].default_value, "1e-9");
    EXPECT_STREQ(m->keys[1].default_value, "0.25");
  }
}

}  // namespace
}  // namespace salient::explain
