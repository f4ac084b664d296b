// Reference batch-normalisation kernels over a [outer, c, inner] layout (channel k in the middle):
//   statistics  mean_k = (1/M) Σ x,  var_k = (1/M) Σ (x − mean_k)²   (M = outer·inner, biased)
//   affine      y = x·scale_k + shift_k
//   backward    x̂ = (x − mean_k)·invstd_k;  S1_k = Σ gy,  S2_k = Σ gy·x̂;  gβ += S1, gγ += S2,
//               gx += γ_k·invstd_k·(gy − S1_k/M − x̂·S2_k/M)  (batch statistics) or γ_k·invstd_k·gy
// Sums run in double: M can be large (N·T for sequences) and the statistics feed every output.
#include "ref/ref_kernels.h"

namespace salient::ref {
namespace {

// Calls f(index) for every element of channel k.
template <class F>
void for_channel(int64_t outer, int c, int64_t inner, int k, F&& f) {
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t base = (o * c + k) * inner;
    for (int64_t i = 0; i < inner; ++i) f(base + i);
  }
}

}  // namespace

void channel_mean_var(int64_t outer, int c, int64_t inner, const float* x, float* mean, float* var) {
  const double count = static_cast<double>(outer * inner);
  for (int k = 0; k < c; ++k) {
    double sum = 0.0;
    for_channel(outer, c, inner, k, [&](int64_t i) { sum += x[i]; });
    const double m = sum / count;
    double sq = 0.0;
    for_channel(outer, c, inner, k, [&](int64_t i) { sq += (x[i] - m) * (x[i] - m); });
    mean[k] = static_cast<float>(m);
    var[k] = static_cast<float>(sq / count);
  }
}

void channel_affine(int64_t outer, int c, int64_t inner, const float* x, const float* scale,
                    const float* shift, float* y) {
  for (int k = 0; k < c; ++k)
    for_channel(outer, c, inner, k, [&](int64_t i) { y[i] = x[i] * scale[k] + shift[k]; });
}

void batchnorm_backward(int64_t outer, int c, int64_t inner, const float* x, const float* gy,
                        const float* mean, const float* invstd, const float* gamma, bool training,
                        float* gx, float* ggamma, float* gbeta) {
  const double count = static_cast<double>(outer * inner);
  for (int k = 0; k < c; ++k) {
    double s1 = 0.0, s2 = 0.0;
    for_channel(outer, c, inner, k, [&](int64_t i) {
      s1 += gy[i];
      s2 += gy[i] * (x[i] - mean[k]) * invstd[k];
    });
    if (gbeta) gbeta[k] += static_cast<float>(s1);
    if (ggamma) ggamma[k] += static_cast<float>(s2);
    if (!gx) continue;
    const double scale = static_cast<double>(gamma[k]) * invstd[k];
    if (training) {
      const double m1 = s1 / count, m2 = s2 / count;
      for_channel(outer, c, inner, k, [&](int64_t i) {
        const double xhat = (x[i] - mean[k]) * static_cast<double>(invstd[k]);
        gx[i] += static_cast<float>(scale * (gy[i] - m1 - xhat * m2));
      });
    } else {
      for_channel(outer, c, inner, k, [&](int64_t i) { gx[i] += static_cast<float>(scale * gy[i]); });
    }
  }
}

}  // namespace salient::ref
