// Net families and settings shared by several identities.
#include "table.h"

namespace salient::explain::equivalence {

std::vector<Setting> all_layers(const RandomNet& n, const char* rule) {
  std::vector<Setting> s;
  for (const Layer& l : n.model.layers())
    if (is_relevance_layer(l.type)) s.push_back({"rule." + l.name, rule});
  return s;
}

std::vector<RandomNet> relu_nets(bool bias, uint64_t seed) {
  std::vector<RandomNet> nets;
  for (uint64_t s = 1; s <= 4; ++s)
    nets.push_back(random_mlp(Activation::kRelu, bias, seed * 100 + s));
  for (uint64_t s = 1; s <= 2; ++s)
    nets.push_back(random_cnn(Activation::kRelu, bias, true, seed * 100 + 10 + s));
  for (uint64_t s = 1; s <= 2; ++s)
    nets.push_back(random_cnn(Activation::kRelu, bias, false, seed * 100 + 20 + s));
  nets.push_back(random_cnn1d(Activation::kRelu, bias, seed * 100 + 30));
  return nets;
}

}  // namespace salient::explain::equivalence
