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

/// Elementwise, same shapes: y = a + b, y = a ⊙ b.
Tensor add(Graph& g, const Tensor& a, const Tensor& b);
Tensor mul(Graph& g, const Tensor& a, const Tensor& b);

}  // namespace salient
