#include "batched.h"

#include <atomic>
#include <cmath>
#include <cstdlib>

namespace salient::explain {
namespace {
std::atomic<size_t> g_budget{size_t{256} << 20};
}  // namespace

size_t batch_budget_bytes() { return g_budget.load(std::memory_order_relaxed); }
void set_batch_budget_bytes(size_t bytes) { g_budget.store(bytes == 0 ? 1 : bytes, std::memory_order_relaxed); }

namespace detail {

Status forward_outputs(const Model& model, const float* x, const Shape& shape, std::vector<float>* out,
                       int64_t* classes) {
  Arena arena;
  GraphOptions options;
  options.record = false;
  Graph g(arena, options);
  const Tensor y = model.forward(g, g.input(x, shape, false));
  if (!g.ok()) return g.status();
  if (y.shape.rank != 2 || y.shape[0] != shape[0])
    return Status::error(Code::kInvalidArgument, "the model output %s is not [N, C]", ShapeStr(y.shape).c_str());
  out->assign(y.data, y.data + y.numel());
  *classes = y.shape[1];
  return {};
}

Status resolve_columns(const Model& model, const float* x, const Shape& shape, Target target,
                       std::vector<int32_t>* columns, std::vector<float>* outputs, int64_t* classes) {
  std::vector<float> y;
  int64_t c = 0;
  if (target.columns && !outputs) {
    // Explicit targets need only C, from the output shape: no forward.
    Result<Shape> out = model.output_shape(shape);
    if (!out.ok()) return out.status();
    if (out->rank != 2 || (*out)[0] != shape[0])
      return Status::error(Code::kInvalidArgument, "the model output %s is not [N, C]", ShapeStr(*out).c_str());
    c = (*out)[1];
  } else {
    SALIENT_RETURN_IF_ERROR(forward_outputs(model, x, shape, &y, &c));
  }
  const int64_t n = shape[0];
  columns->assign(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i) {
    Result<int32_t> col = target_column(y.empty() ? nullptr : y.data() + i * c, c, target, i, "explain");
    if (!col.ok()) return col.status();
    (*columns)[i] = *col;
  }
  if (outputs) *outputs = std::move(y);
  if (classes) *classes = c;
  return {};
}

}  // namespace detail
}  // namespace salient::explain
