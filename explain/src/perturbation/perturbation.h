// Perturbation explainers (internal; registered in methods.cc). Forward passes only.
#pragma once

#include "salient/explain/methods.h"

namespace salient::explain {

/// occlusion: sliding windows (window, stride) set to the baseline; each element averages
/// f(x) − f(x with the window occluded) over the windows covering it (Captum's Occlusion).
Status occlusion(const Request& request, Arena& arena, float* attributions);
/// feature-ablation: every element of group g gets f(x) − f(x with group g set to the baseline).
Status feature_ablation(const Request& request, Arena& arena, float* attributions);
/// feature-permutation: every element of group g gets f(x)_n − f(x with group g permuted across the
/// batch)_n.
Status feature_permutation(const Request& request, Arena& arena, float* attributions);
/// shapley-exact: exact Shapley values of the groups (baseline = absent), over all 2^F coalitions.
Status shapley_exact(const Request& request, Arena& arena, float* attributions);
/// shapley-sampling: Shapley values estimated from n_samples random orderings (Captum's
/// ShapleyValueSampling).
Status shapley_sampling(const Request& request, Arena& arena, float* attributions);
/// kernel-shap: weighted least squares on Shapley-kernel coalitions, empty/full coalitions
/// enforced.
Status kernel_shap(const Request& request, Arena& arena, float* attributions);
/// lime: Lasso (or ridge) fit on Bernoulli(0.5) coalitions weighted by an exponential cosine
/// kernel.
Status lime(const Request& request, Arena& arena, float* attributions);

/// rise: Σ_k f(b + M_k ⊙ (x − b))·M_k / (n_masks·p) over random upsampled low-resolution masks M_k.
Status rise(const Request& request, Arena& arena, float* attributions);

}  // namespace salient::explain
