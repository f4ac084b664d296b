#include "support/explain_fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>

#include "salient/assert.h"
#include "salient/graph.h"

namespace salient::testing_explain {

Model deepexplain_net() {
  Result<Model> m = Model::create(Shape{2}, {Layer::linear("l1", 2, 2), Layer::relu("r1"),
                                             Layer::linear("l2", 2, 1), Layer::relu("r2")});
  SALIENT_ASSERT(m.ok());
  const float w1[4] = {1, 0, 0, 1}, b1[2] = {-1, 0}, w2[2] = {1, -1}, b2[1] = {0};
  std::copy(w1, w1 + 4, m->parameter("l1.weight"));
  std::copy(b1, b1 + 2, m->parameter("l1.bias"));
  std::copy(w2, w2 + 2, m->parameter("l2.weight"));
  std::copy(b2, b2 + 1, m->parameter("l2.bias"));
  return std::move(*m);
}

std::vector<float> model_outputs(const Model& m, const float* x, const Shape& shape, Shape* out) {
  Arena arena;
  GraphOptions o;
  o.record = false;
  Graph g(arena, o);
  const Tensor y = m.forward(g, g.input(x, shape));
  EXPECT_TRUE(g.ok()) << g.status().message();
  if (!g.ok()) return {};
  if (out) *out = y.shape;
  return std::vector<float>(y.data, y.data + y.numel());
}

}  // namespace salient::testing_explain
