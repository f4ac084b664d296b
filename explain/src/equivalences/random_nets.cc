// The seeded random nets and the difference measures of the equivalence table (equivalences.h).
#include <algorithm>
#include <cmath>
#include <random>

#include "salient/assert.h"
#include "salient/explain/equivalences.h"

namespace salient::explain {

Layer activation_layer(Activation a, const std::string& name) {
  return a == Activation::kRelu   ? Layer::relu(name)
         : a == Activation::kTanh ? Layer::tanh(name)
                                  : Layer::sigmoid(name);
}

RandomNet random_net(const Shape& per_sample, std::vector<Layer> layers, uint64_t seed,
                     Shape batch) {
  Result<Model> m = Model::create(per_sample, std::move(layers));
  SALIENT_ASSERT(m.ok());
  m->init_default(seed);
  return {std::move(*m), batch};
}

RandomNet random_mlp(Activation a, bool bias, uint64_t seed) {
  return random_net(Shape{8},
                    {Layer::linear("l1", 8, 16, bias), activation_layer(a, "a1"),
                     Layer::linear("l2", 16, 12, bias), activation_layer(a, "a2"),
                     Layer::linear("l3", 12, 4, bias)},
                    seed, Shape{5, 8});
}

RandomNet random_cnn(Activation a, bool bias, bool maxpool_first, uint64_t seed) {
  return random_net(
      Shape{2, 8, 8},
      {Layer::conv2d("c1", 2, 4, {3, 3}, {1, 1}, {1, 1}, bias), activation_layer(a, "a1"),
       maxpool_first ? Layer::maxpool2d("p1", {2, 2}) : Layer::avgpool2d("p1", {2, 2}),
       Layer::conv2d("c2", 4, 4, {3, 3}, {1, 1}, {0, 0}, bias), activation_layer(a, "a2"),
       maxpool_first ? Layer::avgpool2d("p2", {2, 2}) : Layer::maxpool2d("p2", {2, 2}),
       Layer::flatten("f"), Layer::linear("fc", 4, 3, bias)},
      seed, Shape{3, 2, 8, 8});
}

RandomNet random_cnn1d(Activation a, bool bias, uint64_t seed) {
  return random_net(
      Shape{3, 12},
      {Layer::conv1d("c1", 3, 4, 3, 1, 1, bias), activation_layer(a, "a1"),
       Layer::maxpool1d("p1", 2), Layer::global_avgpool("g"), Layer::linear("fc", 4, 3, bias)},
      seed, Shape{4, 3, 12});
}

RandomNet random_one_hidden(Activation a, bool bias, uint64_t seed) {
  return random_net(Shape{8},
                    {Layer::linear("l1", 8, 16, bias), activation_layer(a, "a1"),
                     Layer::linear("l2", 16, 3, bias)},
                    seed, Shape{5, 8});
}

std::vector<float> uniform_values(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

double absolute_difference(const std::vector<float>& ref, const std::vector<float>& got) {
  double diff = 0.0;
  for (size_t i = 0; i < ref.size() && i < got.size(); ++i)
    diff = std::max(diff, std::fabs(static_cast<double>(ref[i]) - static_cast<double>(got[i])));
  return diff;
}

double relative_difference(const std::vector<float>& ref, const std::vector<float>& got) {
  double scale = 1e-30;
  for (float v : ref) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  return absolute_difference(ref, got) / scale;
}

bool all_as_expected(const std::vector<EquivalenceRow>& rows) {
  for (const EquivalenceRow& r : rows)
    if (!r.as_expected()) return false;
  return true;
}

}  // namespace salient::explain
