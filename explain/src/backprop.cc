#include "salient/explain/backprop.h"

#include <cstring>

namespace salient::explain {

Status backprop(const Model& model, const float* x, const Shape& shape, Target target,
                const RuleSet& rules, Arena& arena, float* attributions, float* outputs,
                int32_t* chosen) {
  if (!x || !attributions) return Status::error(Code::kInvalidArgument, "backprop: null buffer");
  Graph g(arena, GraphOptions{});
  const Tensor input = g.input(x, shape, /*requires_grad=*/true);
  const Tensor y = model.forward(g, input);
  if (!g.ok()) return g.status();
  if (y.shape.rank != 2)
    return Status::error(Code::kInvalidArgument,
                         "backprop: the model output %s is not [N, C]; choose a time step first",
                         ShapeStr(y.shape).c_str());
  const int64_t n = y.shape[0];
  const int64_t c = y.shape[1];

  float* seed = arena.allocate_zeroed_floats(static_cast<size_t>(y.numel()));
  if (!seed) return Status::error(Code::kOutOfMemory, "backprop: arena exhausted");
  for (int64_t i = 0; i < n; ++i) {
    const float* row = y.data + i * c;
    int64_t col = 0;
    if (target.columns) {
      col = target.columns[i];
      if (col < 0 || col >= c)
        return Status::error(Code::kInvalidArgument, "backprop: target %lld of sample %lld is not in [0, %lld)",
                             static_cast<long long>(col), static_cast<long long>(i),
                             static_cast<long long>(c));
    } else {
      for (int64_t j = 1; j < c; ++j)
        if (row[j] > row[col]) col = j;
    }
    seed[i * c + col] = 1.0f;
    if (chosen) chosen[i] = static_cast<int32_t>(col);
  }

  SALIENT_RETURN_IF_ERROR(g.backward(y, seed, rules));
  const float* grad = g.grad(input);
  const size_t bytes = static_cast<size_t>(input.numel()) * sizeof(float);
  if (grad) {
    std::memcpy(attributions, grad, bytes);
  } else {
    std::memset(attributions, 0, bytes);  // no path from the input to the output
  }
  if (outputs) std::memcpy(outputs, y.data, static_cast<size_t>(y.numel()) * sizeof(float));
  return {};
}

}  // namespace salient::explain
