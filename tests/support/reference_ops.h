// Double-precision textbook implementations of every engine op: the oracle of the gradient checks.
//
// Written independently of the engine (no engine code is called): plain loops straight from the
// formulas in the op documentation, on row-major std::vector<double> plus a shape. Bad arguments
// abort with a message (tests only ever pass valid ones); nothing here throws.
#pragma once

#include <cstdint>
#include <vector>

namespace salient::refops {

/// A dense row-major double array: shape plus data (data.size() == product of shape).
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;

  Array() = default;
  Array(std::vector<int64_t> s, std::vector<double> d);
  /// A zero-filled array of the given shape.
  static Array zeros(std::vector<int64_t> s);

  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  int rank() const { return static_cast<int>(shape.size()); }
};

/// Product of the dims (1 for rank 0).
int64_t numel_of(const std::vector<int64_t>& shape);

/// y = x·Wᵀ + b over the last dimension: x [..., in], w [out, in], b [out] (null: no bias).
Array linear(const Array& x, const Array& w, const Array* b);

/// Cross-correlation with zero padding. x [N, C_in, L], w [C_out, C_in, k], b [C_out] or null.
Array conv1d(const Array& x, const Array& w, const Array* b, int stride, int padding);
/// x [N, C_in, H, W], w [C_out, C_in, kh, kw], b [C_out] or null.
Array conv2d(const Array& x, const Array& w, const Array* b, int stride_h, int stride_w,
             int pad_h, int pad_w);

/// Pools without padding; output length (L − k)/s + 1 (floor).
Array maxpool1d(const Array& x, int kernel, int stride);
Array maxpool2d(const Array& x, int kernel_h, int kernel_w, int stride_h, int stride_w);
Array avgpool1d(const Array& x, int kernel, int stride);
Array avgpool2d(const Array& x, int kernel_h, int kernel_w, int stride_h, int stride_w);
/// [N, C, L] or [N, C, H, W] -> [N, C]: mean over all positions.
Array global_avgpool(const Array& x);

Array relu(const Array& x);     // max(x, 0)
Array tanh(const Array& x);     // tanh(x)
Array sigmoid(const Array& x);  // 1 / (1 + e^−x)
/// Over the last dimension (max-shifted, which changes nothing mathematically).
Array softmax(const Array& x);
Array log_softmax(const Array& x);

/// Elementwise on equal shapes.
Array add(const Array& a, const Array& b);
Array mul(const Array& a, const Array& b);

/// The same data under another shape (flatten, reshape); the element count must match.
Array reshape(const Array& x, std::vector<int64_t> shape);


// ---- recurrent, normalisation and loss ops ------------------------------------------------------

/// Every intermediate of a GRU run, each [T, N, H] (index (t·N + b)·H + j): the reset gate r, the
/// update gate z, the candidate n, the hidden-side candidate term W_hn h_{t−1} + b_hn, and h_t.
struct GruTrace {
  Array r, z, n, hn, h;
};

/// GRU over a whole sequence with PyTorch's equations and h_0 = 0:
///   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz),
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h.
/// x [N, T, I], w_ih [3H, I], w_hh [3H, H] (row blocks r, z, n), b_ih/b_hh [3H] or null.
/// Returns every step [N, T, H] (all_steps) or the last [N, H]; fills `trace` when given.
Array gru(const Array& x, const Array& w_ih, const Array& w_hh, const Array* b_ih, const Array* b_hh,
          bool all_steps, GruTrace* trace = nullptr);

/// Per-feature batch statistics: the mean and the biased variance (1/M)·Σ(x − mean)² over the M
/// values of each feature.
struct BatchStats {
  std::vector<double> mean, var;
  int64_t count = 0;  // M
};
/// 1d: features are the LAST dim of x (any rank >= 2), statistics over all other dims.
BatchStats batch_stats_1d(const Array& x);
/// 2d: x [N, C, H, W], statistics per channel over N, H and W.
BatchStats batch_stats_2d(const Array& x);

/// Training: y = γ·(x − μ)/√(σ² + eps) + β with the batch's mean μ and biased variance σ².
Array batchnorm1d_train(const Array& x, const Array& gamma, const Array& beta, double eps);
Array batchnorm2d_train(const Array& x, const Array& gamma, const Array& beta, double eps);
/// Evaluation: the same affine map with the given running statistics ([C] each).
Array batchnorm1d_eval(const Array& x, const Array& gamma, const Array& beta,
                       const Array& running_mean, const Array& running_var, double eps);
Array batchnorm2d_eval(const Array& x, const Array& gamma, const Array& beta,
                       const Array& running_mean, const Array& running_var, double eps);

/// Losses, rank-0 results (shape {}), each a mean over its entries.
/// Cross-entropy: logits [..., C], labels [...] holding integral class ids in [0, C);
///   mean over rows of −log softmax(x_row)[label].
Array cross_entropy(const Array& logits, const Array& labels);
/// Binary cross-entropy with logits, same shapes: mean of −y·log σ(x) − (1 − y)·log(1 − σ(x)),
/// with log σ(x) = −softplus(−x) and log(1 − σ(x)) = −softplus(x) so that |x| ~ 100 stays finite.
Array bce_with_logits(const Array& logits, const Array& targets);
/// Mean squared error, same shapes: mean of (a − b)².
Array mse(const Array& a, const Array& b);

}  // namespace salient::refops
