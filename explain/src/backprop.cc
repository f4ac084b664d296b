#include "salient/explain/backprop.h"

#include <cstring>

namespace salient::explain {

Result<int32_t> target_column(const float* row, int64_t c, Target target, int64_t i, const char* who) {
  int64_t col = 0;
  if (target.columns) {
    col = target.columns[i];
    if (col < 0 || col >= c)
      return Status::error(Code::kInvalidArgument, "%s: target %lld of sample %lld is not in [0, %lld)", who,
                           static_cast<long long>(col), static_cast<long long>(i), static_cast<long long>(c));
  } else {
    for (int64_t j = 1; j < c; ++j)
      if (row[j] > row[col]) col = j;
  }
  return static_cast<int32_t>(col);
}

Result<Shape> layer_output_batch_shape(const Model& model, const Shape& input, const char* layer) {
  if (input.rank < 1)
    return Status::error(Code::kInvalidArgument, "layer output: input %s has no batch dim",
                         ShapeStr(input).c_str());
  return model.output_shape_at(input, layer);
}

int32_t layer_output_value(const Graph& g, const char* layer) {
  int32_t id = -1;
  for (int32_t i = 0; i < g.node_count(); ++i)
    if (g.node(i).layer >= 0 && std::strcmp(layer, g.layer_name(g.node(i).layer)) == 0)
      id = g.node(i).out;
  return id;
}

Status backprop(const Model& model, const float* x, const Shape& shape, Target target,
                const RuleSet& rules, Arena& arena, float* attributions, float* outputs,
                int32_t* chosen, SignalAt at) {
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
    Result<int32_t> col = target_column(y.data + i * c, c, target, i, "backprop");
    if (!col.ok()) return col.status();
    seed[i * c + *col] = 1.0f;
    if (chosen) chosen[i] = *col;
  }

  Tensor read = input;  // where the signal is read: the input or the layer's output value
  if (at.layer && *at.layer) {
    read.id = layer_output_value(g, at.layer);
    if (read.id < 0)
      return Status::error(Code::kInvalidArgument,
                           "backprop: the model has no layer '%s' that records an op", at.layer);
    const Value& v = g.value(read.id);
    read.data = v.data;
    read.shape = v.shape;
  }
  SALIENT_RETURN_IF_ERROR(g.backward(y, seed, rules));
  const float* grad = g.grad(read);
  const size_t bytes = static_cast<size_t>(read.numel()) * sizeof(float);
  if (at.values) std::memcpy(at.values, read.data, bytes);
  if (grad) {
    std::memcpy(attributions, grad, bytes);
  } else {
    std::memset(attributions, 0, bytes);  // no path from the input to the output
  }
  if (outputs) std::memcpy(outputs, y.data, static_cast<size_t>(y.numel()) * sizeof(float));
  return {};
}

}  // namespace salient::explain
