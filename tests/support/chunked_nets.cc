#include "chunked_nets.h"

#include <gtest/gtest.h>

#include <cmath>

#include "salient/assert.h"

namespace salient::testing_explain {

Model tanh_net() {
  Result<Model> m = Model::create(
      Shape{3}, {Layer::linear("l1", 3, 4), Layer::tanh("t1"), Layer::linear("l2", 4, 2)});
  SALIENT_ASSERT(m.ok());
  const char* names[4] = {"l1.weight", "l1.bias", "l2.weight", "l2.bias"};
  const int sizes[4] = {12, 4, 8, 2};
  int k = 0;
  for (int p = 0; p < 4; ++p)
    for (int i = 0; i < sizes[p]; ++i, ++k)
      m->parameter(names[p])[i] = 0.8f * std::sin(0.9f * k + 0.2f);
  return std::move(*m);
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], 1e-6f * (1.0f + std::fabs(b[i]))) << i;
}

}  // namespace salient::testing_explain
