// The equivalences of SPEC §8 computed on seeded random nets: the table that
// `salient equivalences` prints and the tests check. Each row compares two methods (or a sum and an
// output difference) over a family of nets and reports the max absolute and relative difference;
// negative-control rows are the same comparison where the identity's condition is broken, and must
// differ. Also the random nets themselves (MLPs and CNNs with ReLU/tanh/sigmoid, pools, with or
// without biases), shared with tests/explain/equivalence_identities_test.cc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "salient/explain/methods.h"
#include "salient/model.h"
#include "salient/status.h"

namespace salient::explain {

enum class Activation { kRelu, kTanh, kSigmoid };

/// A model with the batch shape its inputs take.
struct RandomNet {
  Model model;
  Shape shape;  // [N, ...]
};

/// Model::create(per_sample, layers) with init_default(seed), for inputs of `batch` shape.
RandomNet random_net(const Shape& per_sample, std::vector<Layer> layers, uint64_t seed, Shape batch);
/// relu / tanh / sigmoid layer called `name`.
Layer activation_layer(Activation a, const std::string& name);
/// linear(8→16), f, linear(16→12), f, linear(12→4); batch [5, 8]; init_default(seed).
RandomNet random_mlp(Activation a, bool bias, uint64_t seed);
/// conv2d(2→4, 3×3, pad 1), f, max|avg pool 2, conv2d(4→4, 3×3), f, avg|max pool 2, flatten,
/// linear(4→3); batch [3, 2, 8, 8].
RandomNet random_cnn(Activation a, bool bias, bool maxpool_first, uint64_t seed);
/// conv1d(3→4, k3, pad 1), f, maxpool1d 2, global avg pool, linear(4→3); batch [4, 3, 12].
RandomNet random_cnn1d(Activation a, bool bias, uint64_t seed);
/// linear(8→16), f, linear(16→3): one nonlinear layer and a linear readout; batch [5, 8].
RandomNet random_one_hidden(Activation a, bool bias, uint64_t seed);

/// n values from U(lo, hi) (std::mt19937 seeded with `seed`).
std::vector<float> uniform_values(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f);
/// max|ref − got| / max|ref| (the scale floored at 1e-30).
double relative_difference(const std::vector<float>& ref, const std::vector<float>& got);
/// max|ref − got|.
double absolute_difference(const std::vector<float>& ref, const std::vector<float>& got);

/// One row of the table.
struct EquivalenceRow {
  std::string identity;   // "1", "4 (tanh)", ...
  std::string condition;  // the nets and the condition under which it is measured
  std::string method_a, method_b;
  int nets = 0;
  double max_abs = 0.0, max_rel = 0.0;
  /// Identity rows hold when max_rel <= threshold; control rows must not (max_rel > threshold).
  double threshold = 0.0;
  bool control = false;
  std::string note;  // extra measurement (e.g. the observed IG error order), may be empty
  bool holds() const { return max_rel <= threshold; }
  bool as_expected() const { return control ? !holds() : holds(); }
};

/// Every row, identities 1-9 with their controls, on nets and inputs seeded from `seed`.
/// An error of an underlying method is returned as the status.
Result<std::vector<EquivalenceRow>> equivalence_table(uint64_t seed);

/// True when every identity row holds and every control row differs.
bool all_as_expected(const std::vector<EquivalenceRow>& rows);

}  // namespace salient::explain
