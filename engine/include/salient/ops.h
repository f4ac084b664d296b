// Ops: forward computation through the kernel table; each records one node on the graph's tape.
// Shapes follow SPEC §3: batch first; images N×C×H×W, sequences N×T×D. A bad shape or argument
// fails the graph with a message naming the op and the shapes; the op then returns an invalid
// tensor, and so does every op that consumes it.
#pragma once

#include "salient/graph.h"
#include "salient/tensor.h"

namespace salient {

struct Size2 {
  int h, w;
};

/// y = x·Wᵀ + b over the last dimension: x [..., in], W [out, in], b [out] (null: no bias).
Tensor linear(Graph& g, const Tensor& x, const Tensor& weight, const Tensor* bias);

/// 1-D convolution (cross-correlation): x [N, C_in, L], W [C_out, C_in, k], b [C_out] or null.
Tensor conv1d(Graph& g, const Tensor& x, const Tensor& weight, const Tensor* bias, int stride,
              int padding);
/// 2-D convolution (cross-correlation): x [N, C_in, H, W], W [C_out, C_in, kh, kw], b [C_out].
Tensor conv2d(Graph& g, const Tensor& x, const Tensor& weight, const Tensor* bias, Size2 stride,
              Size2 padding);

/// Max over windows of size k (stride s, no padding); x [N, C, L] / [N, C, H, W].
/// Backward routes through the first maximum of each window (the saved argmax).
Tensor maxpool1d(Graph& g, const Tensor& x, int kernel, int stride);
Tensor maxpool2d(Graph& g, const Tensor& x, Size2 kernel, Size2 stride);
/// Mean over windows of size k (stride s, no padding).
Tensor avgpool1d(Graph& g, const Tensor& x, int kernel, int stride);
Tensor avgpool2d(Graph& g, const Tensor& x, Size2 kernel, Size2 stride);
/// Mean over all positions: [N, C, L] or [N, C, H, W] -> [N, C].
Tensor global_avgpool(Graph& g, const Tensor& x);

Tensor relu(Graph& g, const Tensor& x);     // max(x, 0); relu'(0) = 0
Tensor tanh(Graph& g, const Tensor& x);     // tanh(x)
Tensor sigmoid(Graph& g, const Tensor& x);  // 1 / (1 + e^−x)
/// Over the last dimension: softmax e^x / Σe^x and log-softmax x − log Σe^x.
Tensor softmax(Graph& g, const Tensor& x);
Tensor log_softmax(Graph& g, const Tensor& x);

/// [N, ...] -> [N, prod(...)], keeping the batch dimension.
Tensor flatten(Graph& g, const Tensor& x);
/// [N, ...] -> [N, per_sample...]; one per-sample dim may be -1 (inferred).
Tensor reshape(Graph& g, const Tensor& x, const Shape& per_sample);
/// Training (g.training()): y = x·m/(1−p) with m ~ Bernoulli(1−p) from g.rng(); else y = x.
Tensor dropout(Graph& g, const Tensor& x, float p);

/// One step of a sequence: x [N, T, ...] -> y = x[:, t, ...] ([N, ...]); backward gx[:, t] += gy.
Tensor time_step(Graph& g, const Tensor& x, int64_t t);

/// Elementwise, same shapes: y = a + b, y = a ⊙ b.
Tensor add(Graph& g, const Tensor& a, const Tensor& b);
Tensor mul(Graph& g, const Tensor& a, const Tensor& b);

/// GRU over a whole sequence with PyTorch's equations (SPEC §4) and h_0 = 0:
///   r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
/// x [N, T, I] (T >= 1), W_ih [3H, I], W_hh [3H, H], b_ih and b_hh [3H] (null: none), gate rows
/// ordered r, z, n. Returns every step [N, T, H] (all_steps) or the last one [N, H].
/// The node saves (Node::saved), time-major: gates, T·N·4H floats, where step t, sample b holds
/// (r, z, n, W_hn h + b_hn) at gru_saved_gates(saved, t, b, N, H); then the hidden states h_t,
/// T·N·H floats, at gru_saved_hidden(saved, t, b, N, H, T).
Tensor gru(Graph& g, const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor* b_ih,
           const Tensor* b_hh, bool all_steps);
inline const float* gru_saved_gates(const float* saved, int t, int b, int n, int h) {
  return saved + (static_cast<int64_t>(t) * n + b) * 4 * h;
}
inline const float* gru_saved_hidden(const float* saved, int t, int b, int n, int h, int steps) {
  return saved + static_cast<int64_t>(steps) * n * 4 * h + (static_cast<int64_t>(t) * n + b) * h;
}

/// Batch normalisation y = γ·(x − μ)/√(σ² + eps) + β per feature. In a training graph μ and σ²
/// are the batch's (biased) statistics, and if update_mean/update_var are given they receive
/// PyTorch's running averages r ← (1 − momentum)·r + momentum·s (the variance unbiased);
/// otherwise μ, σ² are running_mean, running_var. The node saves, per feature, μ, then
/// invstd = 1/√(σ² + eps), then the affine form's scale γ·invstd and shift β − μ·γ·invstd (4·C floats).
struct BatchNormState {
  const float* running_mean;
  const float* running_var;
  float eps;
  float momentum;
  float* update_mean;  // null: leave the running statistics alone
  float* update_var;
};
/// batchnorm1d normalises each feature of the last dimension over all other dims (x [..., C]).
Tensor batchnorm1d(Graph& g, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const BatchNormState& state);
/// batchnorm2d normalises each channel of x [N, C, H, W] over N, H and W.
Tensor batchnorm2d(Graph& g, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const BatchNormState& state);

/// Losses, each the mean over its entries, returned as a rank-0 tensor. Labels and targets take
/// no gradient.
/// Cross-entropy from logits [N, ..., C] (rank >= 2) and class ids [N, ...] (integers in [0, C),
/// stored as float):
///   mean over rows of log Σ_j e^{x_j} − x_label.
Tensor cross_entropy(Graph& g, const Tensor& logits, const Tensor& labels);
/// Binary cross-entropy with logits, same shapes: mean of max(x, 0) − x·y + log(1 + e^{−|x|}).
Tensor bce_with_logits(Graph& g, const Tensor& logits, const Tensor& targets);
/// Mean squared error, same shapes: mean of (a − b)²; both inputs take gradients.
Tensor mse(Graph& g, const Tensor& a, const Tensor& b);

}  // namespace salient
