// rise (Petsiuk et al. 2018): the saliency of element i is the mean target logit over random soft
// masks M_k, weighted by each mask's value at i and normalised by the mask's mean p:
//   S_i = Σ_k f_c(b + M_k ⊙ (x − b))·M_k(i) / (n_masks · p)
// (b the baseline, zero by default: x ⊙ M_k as in the paper). Masks (salient/explain/rise.h) span
// the spatial axes: H × W of N×C×H×W (shared by the channels), the time axis of N×C×T (shared by
// the channels) and of N×T×D when the model starts with a GRU (shared by the features), the feature
// axis of N×F. The masks are drawn once for the batch; row (k, n) is mask k on sample n. Cost: N·(1
// + n_masks) forward rows.
#include "salient/explain/rise.h"

#include <cstdlib>
#include <string>

#include "common.h"
#include "perturbation.h"

namespace salient::explain {
namespace {

using perturbation::Evaluator;

// The grid holds cell² values; finer grids than this have no use on any input.
constexpr int64_t kMaxCell = 4096;

// Where the mask lies in one sample of shape [outer, spatial..., inner]: element i reads mask value
// (i / inner) % spatial.
struct MaskLayout {
  int axes = 1;
  int64_t extent[2] = {1, 1};
  int64_t inner = 1;
  int64_t spatial() const { return extent[0] * extent[1]; }
};

MaskLayout mask_layout(const Model& model, const Shape& sample) {
  MaskLayout layout;
  const int rank = sample.rank;
  if (rank == 1) {
    layout.extent[0] = sample[0];  // N×F: the features
  } else if (rank == 2 && !model.layers().empty() && model.layers()[0].type == OpKind::kGru) {
    layout.extent[0] = sample[0];  // N×T×D into a GRU: time, shared by the D features
    layout.inner = sample[1];
  } else if (rank == 2) {
    layout.extent[0] = sample[1];  // N×C×T: time, shared by the channels
  } else {
    layout.axes = 2;  // N×C×H×W (and higher): the last two axes, shared by the others
    layout.extent[0] = sample[rank - 2];
    layout.extent[1] = sample[rank - 1];
  }
  return layout;
}

}  // namespace

Status rise(const Request& r, Arena& arena, float* attributions) {
  const Method& method = *find_method("rise");
  Result<int64_t> n_masks = int_setting(r, method, "n_masks", 1);
  if (!n_masks.ok()) return n_masks.status();
  Result<int64_t> cell = int_setting(r, method, "cell", 1, kMaxCell);
  if (!cell.ok()) return cell.status();
  Result<double> p = float_setting(r, method, "p", 0.0, 1.0, /*lo_open=*/true);
  if (!p.ok()) return p.status();
  Evaluator ev(arena);
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  const MaskLayout layout = mask_layout(*r.model, ev.sample_shape());
  const int64_t n = ev.samples(), d = ev.sample_numel(), spatial = layout.spatial(),
                inner = layout.inner;

  // The masks of one chunk's rows, in a ring indexed by mask number (a chunk of m rows touches at
  // most m/N + 2 masks), and the running sums Σ_k f·M_k per sample.
  const Arena::Mark before = arena.mark();
  double* sums = arena.allocate_array<double>(static_cast<size_t>(n * spatial));
  const size_t mask_bytes = static_cast<size_t>(spatial) * sizeof(float);
  ev.reserve(2 * mask_bytes + Arena::kAlignment,
             (mask_bytes + static_cast<size_t>(n) - 1) / static_cast<size_t>(n));
  const int64_t slots = ev.chunk_rows() / n + 2;
  float* masks = arena.allocate_array<float>(static_cast<size_t>(slots * spatial));
  if (!masks || !sums) {
    arena.rewind(before);
    return Status::error(Code::kOutOfMemory,
                         "rise: the arena cannot hold %lld masks of %lld values",
                         static_cast<long long>(slots), static_cast<long long>(spatial));
  }
  std::fill(sums, sums + n * spatial, 0.0);
  RiseMaskSampler sampler(layout.axes, layout.extent, *cell, *p, r.seed);
  auto mask_of = [&](int64_t row) { return masks + (row / n % slots) * spatial; };
  const Status status = ev.evaluate(
      *n_masks * n,
      [&](int64_t row, float* dst) {
        const int64_t s = row % n;
        float* mask = mask_of(row);
        if (s == 0)
          sampler.next(mask);  // mask k's first row draws it: the stream follows the mask order
        const float* x = ev.x(s);
        const float* b = ev.baseline(s);
        for (int64_t i = 0; i < d; ++i) dst[i] = b[i] + mask[(i / inner) % spatial] * (x[i] - b[i]);
        return s;
      },
      [&](int64_t row, float logit) {
        const float* mask = mask_of(row);
        double* sum = sums + (row % n) * spatial;
        for (int64_t j = 0; j < spatial; ++j) sum[j] += double(logit) * mask[j];
      });
  if (status.ok()) {
    const double norm = double(*n_masks) * *p;
    for (int64_t s = 0; s < n; ++s)
      for (int64_t i = 0; i < d; ++i)
        attributions[s * d + i] =
            static_cast<float>(sums[s * spatial + (i / inner) % spatial] / norm);
  }
  arena.rewind(before);
  return status;
}

}  // namespace salient::explain
