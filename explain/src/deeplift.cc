// deeplift (Rescale, SPEC §5-§6): one forward on [x; x̄] (2N rows), a backward seeded with e_c on
// the first N rows only, with deeplift_rules(); attributions (x − x̄) ⊙ multipliers, or with
// relevance_at=LAYER (a − ā) ⊙ multipliers at that layer's output a.
// deeplift-shap (Captum's DeepLiftShap): deeplift against each row b of the baseline set,
// averaged, A = (1/B) Σ_b (x − b) ⊙ m(x, b); Σ A = F(x)_c − (1/B) Σ_b F(b)_c. Baselines run in
// chunks sized to the memory budget (batched.h), a chunk of k as one deeplift of x repeated k
// times against the k baselines each repeated N times.
#include "salient/explain/deeplift.h"

#include <cstring>
#include <string>
#include <vector>

#include "batched.h"
#include "lrp_methods.h"

namespace salient::explain {
namespace {

Status gru_rule_of(const Request& r, const char* method, DeepLiftGruRule* out) {
  const std::string v = setting(r, *find_method(method), "gru_rule");
  if (v == "rescale") {
    *out = DeepLiftGruRule::kRescale;
  } else if (v == "gradient") {
    *out = DeepLiftGruRule::kGradient;
  } else {
    return Status::error(Code::kInvalidArgument, "%s: gru_rule=%s is not rescale or gradient",
                         method, v.c_str());
  }
  return {};
}

// DeepLIFT of r.x against `baseline` (x's shape; null: zero), at the input or (layer not empty)
// at that layer's output.
Status deeplift_against(const Request& r, const float* baseline, DeepLiftGruRule gru, const std::string& layer,
                        Arena& arena, float* attributions) {
  const int64_t total = r.shape.numel();
  const int64_t n = r.shape[0];
  float* both = arena.allocate_array<float>(static_cast<size_t>(2 * total));
  if (!both) return Status::error(Code::kOutOfMemory, "deeplift: arena exhausted");
  std::memcpy(both, r.x, static_cast<size_t>(total) * sizeof(float));
  if (baseline) {
    std::memcpy(both + total, baseline, static_cast<size_t>(total) * sizeof(float));
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
    Result<int32_t> col = target_column(y.data + i * c, c, r.target, i, "deeplift");
    if (!col.ok()) return col.status();
    seed[i * c + *col] = 1.0f;
  }
  Tensor read = input;  // the input, or the relevance_at layer's output value
  if (!layer.empty()) {
    read.id = layer_output_value(g, layer.c_str());
    if (read.id < 0)
      return Status::error(Code::kInvalidArgument,
                           "deeplift: the model has no layer '%s' that records an op",
                           layer.c_str());
    read.data = g.value(read.id).data;
    read.shape = g.value(read.id).shape;
  }
  SALIENT_RETURN_IF_ERROR(g.backward(y, seed, deeplift_rules(gru)));
  const float* m = g.grad(read);
  const int64_t half = read.numel() / 2;  // rows [0, N) explain x, rows [N, 2N) are the reference
  for (int64_t i = 0; i < half; ++i)
    attributions[i] = m ? (read.data[i] - read.data[i + half]) * m[i] : 0.0f;
  return {};
}

}  // namespace

Status deeplift(const Request& r, Arena& arena, float* attributions) {
  if (!r.model || !r.x || !attributions)
    return Status::error(Code::kInvalidArgument, "deeplift: null input");
  DeepLiftGruRule gru = DeepLiftGruRule::kRescale;
  SALIENT_RETURN_IF_ERROR(gru_rule_of(r, "deeplift", &gru));
  return deeplift_against(r, r.baseline, gru, relevance_layer(r, *find_method("deeplift")), arena, attributions);
}

Status deeplift_shap(const Request& r, Arena& arena, float* attributions) {
  if (!r.model || !r.x || !attributions)
    return Status::error(Code::kInvalidArgument, "deeplift-shap: null input");
  DeepLiftGruRule gru = DeepLiftGruRule::kRescale;
  SALIENT_RETURN_IF_ERROR(gru_rule_of(r, "deeplift-shap", &gru));
  const int64_t n = r.shape[0];
  const int64_t total = r.shape.numel();
  const int64_t d = n == 0 ? 0 : total / n;
  if (!r.baselines || r.baselines_shape.rank < 1 || r.baselines_shape.numel_from(1) != d)
    return Status::error(
        Code::kInvalidArgument,
        "deeplift-shap needs a baseline set [B] + the per-sample shape (--baselines S.npy)");
  const int64_t b_count = r.baselines_shape[0];
  if (b_count < 2)
    return Status::error(
        Code::kInvalidArgument,
        "deeplift-shap needs at least 2 baselines (got %lld); use deeplift for one baseline",
        static_cast<long long>(b_count));
  std::vector<double> sum(static_cast<size_t>(total), 0.0);
  Status s = detail::run_chunked(arena, b_count, [&](int64_t first, int64_t count, Arena& scratch) -> Status {
    // Rows [j·N, (j + 1)·N): x against baseline first + j, its targets repeated.
    const int64_t rows = count * n;
    float* xs = scratch.allocate_array<float>(static_cast<size_t>(rows * d));
    float* bs = scratch.allocate_array<float>(static_cast<size_t>(rows * d));
    float* out = scratch.allocate_array<float>(static_cast<size_t>(rows * d));
    int32_t* cols = r.target.columns ? scratch.allocate_array<int32_t>(static_cast<size_t>(rows)) : nullptr;
    if (!xs || !bs || !out || (r.target.columns && !cols))
      return Status::error(Code::kOutOfMemory, "deeplift-shap: arena exhausted");
    for (int64_t j = 0; j < count; ++j) {
      std::memcpy(xs + j * total, r.x, static_cast<size_t>(total) * sizeof(float));
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(bs + (j * n + i) * d, r.baselines + (first + j) * d, static_cast<size_t>(d) * sizeof(float));
        if (cols) cols[j * n + i] = r.target.columns[i];
      }
    }
    Request chunk = r;
    chunk.x = xs;
    chunk.shape = detail::with_rows(r.shape, rows);
    if (cols) chunk.target = Target{cols};
    SALIENT_RETURN_IF_ERROR(deeplift_against(chunk, bs, gru, "", scratch, out));
    for (int64_t j = 0; j < count; ++j)
      for (int64_t i = 0; i < total; ++i) sum[static_cast<size_t>(i)] += out[j * total + i];
    return {};
  }, r.progress);
  SALIENT_RETURN_IF_ERROR(s);
  for (int64_t i = 0; i < total; ++i)
    attributions[i] =
        static_cast<float>(sum[static_cast<size_t>(i)] / static_cast<double>(b_count));
  return {};
}

}  // namespace salient::explain
