// deeplift (Rescale, SPEC §5-§6): one forward on [x; x̄] (2N rows), a backward seeded with e_c on
// the first N rows only, with deeplift_rules(); attributions (x − x̄) ⊙ multipliers, or with
// relevance_at=LAYER (a − ā) ⊙ multipliers at that layer's output a.
#include <cstring>

#include "lrp_methods.h"
#include "salient/explain/deeplift.h"

namespace salient::explain {

Status deeplift(const Request& r, Arena& arena, float* attributions) {
  if (!r.model || !r.x || !attributions) return Status::error(Code::kInvalidArgument, "deeplift: null input");
  const int64_t total = r.shape.numel();
  const int64_t n = r.shape[0];
  float* both = arena.allocate_array<float>(static_cast<size_t>(2 * total));
  if (!both) return Status::error(Code::kOutOfMemory, "deeplift: arena exhausted");
  std::memcpy(both, r.x, static_cast<size_t>(total) * sizeof(float));
  if (r.baseline) {
    std::memcpy(both + total, r.baseline, static_cast<size_t>(total) * sizeof(float));
  } else {
    std::memset(both + total, 0, static_cast<size_t>(total) * sizeof(float));
  }
  Shape doubled = r.shape;
  doubled[0] = 2 * n;

  Graph g(arena, GraphOptions{});
  const Tensor input = g.input(both, doubled, /*requires_grad=*/true);
  const Tensor y = r.model->forward(g, input);
  if (!g.ok()) return g.status();
  if (y.shape.rank != 2)
    return Status::error(Code::kInvalidArgument, "deeplift: the model output %s is not [N, C]",
                         ShapeStr(y.shape).c_str());
  const int64_t c = y.shape[1];
  float* seed = arena.allocate_zeroed_floats(static_cast<size_t>(y.numel()));
  if (!seed) return Status::error(Code::kOutOfMemory, "deeplift: arena exhausted");
  for (int64_t i = 0; i < n; ++i) {
    int64_t col = 0;
    if (r.target.columns) {
      col = r.target.columns[i];
      if (col < 0 || col >= c)
        return Status::error(Code::kInvalidArgument, "deeplift: target %lld of sample %lld is not in [0, %lld)",
                             static_cast<long long>(col), static_cast<long long>(i), static_cast<long long>(c));
    } else {
      const float* row = y.data + i * c;
      for (int64_t j = 1; j < c; ++j)
        if (row[j] > row[col]) col = j;
    }
    seed[i * c + col] = 1.0f;
  }
  Tensor read = input;  // the input, or the relevance_at layer's output value
  const std::string layer = relevance_layer(r, *find_method("deeplift"));
  if (!layer.empty()) {
    read.id = layer_output_value(g, layer.c_str());
    if (read.id < 0)
      return Status::error(Code::kInvalidArgument,
                           "deeplift: the model has no layer '%s' that records an op",
                           layer.c_str());
    read.data = g.value(read.id).data;
    read.shape = g.value(read.id).shape;
  }
  SALIENT_RETURN_IF_ERROR(g.backward(y, seed, deeplift_rules()));
  const float* m = g.grad(read);
  const int64_t half = read.numel() / 2;  // rows [0, N) explain x, rows [N, 2N) are the reference
  for (int64_t i = 0; i < half; ++i)
    attributions[i] = m ? (read.data[i] - read.data[i + half]) * m[i] : 0.0f;
  return {};
}

}  // namespace salient::explain
