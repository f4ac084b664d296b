// gru: a whole sequence in one node. Forward: GI = X·W_ihᵀ + b_ih for a chunk of steps in one
// GEMM (time-major, the bias in its epilogue; chunks of about 256 KiB, so GI is read back from
// cache rather than memory), then per step GH = h·W_hhᵀ + b_hh (one GEMM with the bias
// in its epilogue, W_hh transposed once per sequence so the product is a plain A·B whose B is
// copied, not transposed, when packed, and read in place at small batches) and the gate kernel
// (see ops.h for the equations).
// Exact backward (backpropagation through time), per step from the last:
//   gate kernel → d_gi, d_gh, dh_prev = dh ⊙ z;  dh_prev += d_gh·W_hh;
// the input path once per chunk of steps (the same chunks): gX = dGI·W_ih (as A·Bᵀ with W_ihᵀ, so
// a few inputs take SGEMM's dot kernel, not a tile filling I of its 16 lanes), gW_ih += dGIᵀ·X,
// gb_ih += Σ dGI; then for all steps at once (one GEMM of depth (T − 1)·N over the kept per-step
// gradients) gW_hh += Σ_t d_gh_tᵀ·h_{t−1}, gb_hh += Σ dGH.
#include <cstring>

#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {
namespace {

// [N, T, D] -> [T, N, D] for steps [s0, s1): time[(s − s0)·N + b] = batch[b·T + s] (rows of D).
void to_time_major(int n, int t, int d, int s0, int s1, const float* batch, float* time) {
  for (int b = 0; b < n; ++b)
    for (int s = s0; s < s1; ++s)
      std::memcpy(time + (static_cast<int64_t>(s - s0) * n + b) * d,
                  batch + (static_cast<int64_t>(b) * t + s) * d, sizeof(float) * d);
}

// The reverse, accumulating: batch[b·T + s] += time[(s − s0)·N + b] for steps [s0, s1).
void add_to_batch_major(int n, int t, int d, int s0, int s1, const float* time, float* batch) {
  for (int b = 0; b < n; ++b)
    for (int s = s0; s < s1; ++s) {
      float* dst = batch + (static_cast<int64_t>(b) * t + s) * d;
      const float* src = time + (static_cast<int64_t>(s - s0) * n + b) * d;
      for (int j = 0; j < d; ++j) dst[j] += src[j];
    }
}

// Steps per chunk of the input path: GI (forward) and dGI (backward) of a chunk take about
// kChunkFloats floats.
constexpr int64_t kChunkFloats = 64 * 1024;
int chunk_steps(int n, int h, int t) {
  const int64_t steps = kChunkFloats / (static_cast<int64_t>(n) * 3 * h);
  return steps < 1 ? 1 : steps > t ? t : static_cast<int>(steps);
}

// dst[j·rows + i] = src[i·cols + j]: a rows×cols matrix transposed, in 16×16 blocks.
void transpose(int rows, int cols, const float* src, float* dst) {
  constexpr int kB = 16;
  for (int i0 = 0; i0 < rows; i0 += kB)
    for (int j0 = 0; j0 < cols; j0 += kB) {
      const int i1 = i0 + kB < rows ? i0 + kB : rows, j1 = j0 + kB < cols ? j0 + kB : cols;
      for (int i = i0; i < i1; ++i)
        for (int j = j0; j < j1; ++j)
          dst[static_cast<int64_t>(j) * rows + i] = src[static_cast<int64_t>(i) * cols + j];
    }
}

struct GruDims {
  int n, t, i, h;
};

GruDims dims_of(const Shape& x, const Shape& w_hh) {
  return {static_cast<int>(x[0]), static_cast<int>(x[1]), static_cast<int>(x[2]),
          static_cast<int>(w_hh[1])};
}

}  // namespace

Tensor gru(Graph& g, const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor* b_ih,
           const Tensor* b_hh, bool all_steps) {
  if (!ops::usable(g, {&x, &w_ih, &w_hh, b_ih, b_hh})) return {};
  if (x.shape.rank != 3 || w_ih.shape.rank != 2 || w_hh.shape.rank != 2 ||
      w_hh.shape[0] != 3 * w_hh.shape[1] || w_ih.shape[0] != w_hh.shape[0] ||
      w_ih.shape[1] != x.shape[2])
    return ops::reject(
        g, "gru: input %s, weight_ih %s and weight_hh %s must be [N, T, I], [3H, I], [3H, H]",
        ShapeStr(x.shape).c_str(), ShapeStr(w_ih.shape).c_str(), ShapeStr(w_hh.shape).c_str());
  for (const Tensor* b : {b_ih, b_hh})
    if (b && (b->shape.rank != 1 || b->shape[0] != w_hh.shape[0]))
      return ops::reject(g, "gru: bias %s must be [%lld]", ShapeStr(b->shape).c_str(),
                         static_cast<long long>(w_hh.shape[0]));
  if (x.shape[1] < 1)
    return ops::reject(g, "gru: the sequence %s has no steps", ShapeStr(x.shape).c_str());
  const GruDims d = dims_of(x.shape, w_hh.shape);
  const int64_t rows = static_cast<int64_t>(d.t) * d.n;

  Tensor y = g.new_value(all_steps ? Shape{d.n, d.t, d.h} : Shape{d.n, d.h},
                         ops::any_requires_grad(g, {&x, &w_ih, &w_hh, b_ih, b_hh}));
  float* saved = g.arena().allocate_array<float>(static_cast<size_t>(rows * 5 * d.h));
  float* xt = g.arena().allocate_array<float>(static_cast<size_t>(rows * d.i));
  const int chunk = chunk_steps(d.n, d.h, d.t);
  const int64_t step_gates = static_cast<int64_t>(d.n) * 3 * d.h;
  float* gi = g.arena().allocate_array<float>(static_cast<size_t>(chunk * step_gates));
  float* gh = g.arena().allocate_array<float>(static_cast<size_t>(d.n) * 3 * d.h);
  float* w_hh_t = g.arena().allocate_array<float>(static_cast<size_t>(3 * d.h) * d.h);
  if (!y.valid() || !saved || !xt || !gi || !gh || !w_hh_t) {
    g.fail(Status::error(Code::kOutOfMemory, "gru: arena exhausted for a sequence %s",
                         ShapeStr(x.shape).c_str()));
    return {};
  }
  const KernelTable& k = g.kernels();
  float* hidden = saved + rows * 4 * d.h;
  to_time_major(d.n, d.t, d.i, 0, d.t, x.data, xt);
  transpose(3 * d.h, d.h, w_hh.data, w_hh_t);
  GemmEpilogue ih_bias, hh_bias;
  ih_bias.col_bias = b_ih ? b_ih->data : nullptr;
  hh_bias.col_bias = b_hh ? b_hh->data : nullptr;
  for (int s = 0; s < d.t; ++s) {
    if (s % chunk == 0) {  // GI of steps [s, s + chunk)
      const int steps = d.t - s < chunk ? d.t - s : chunk;
      k.sgemm_fused(Trans::kNo, Trans::kYes, steps * d.n, 3 * d.h, d.i, 1.0f,
                    xt + static_cast<int64_t>(s) * d.n * d.i, d.i, w_ih.data, d.i, 0.0f, gi,
                    3 * d.h, ih_bias);
    }
    const float* h_prev = s > 0 ? hidden + static_cast<int64_t>(s - 1) * d.n * d.h : nullptr;
    if (h_prev) {
      k.sgemm_fused(Trans::kNo, Trans::kNo, d.n, 3 * d.h, d.h, 1.0f, h_prev, d.h, w_hh_t, 3 * d.h,
                    0.0f, gh, 3 * d.h, hh_bias);
    } else {  // h_0 = 0: GH = b_hh
      std::memset(gh, 0, sizeof(float) * d.n * 3 * d.h);
      if (b_hh) k.add_row_vector(d.n, 3 * d.h, b_hh->data, gh);
    }
    k.gru_gates_forward(d.n, d.h, gi + (s % chunk) * step_gates, gh, h_prev,
                        hidden + static_cast<int64_t>(s) * d.n * d.h,
                        saved + static_cast<int64_t>(s) * d.n * 4 * d.h);
  }
  if (all_steps) {
    // y[b·T + s] = hidden[s·N + b]: the same transpose as to_time_major with N and T swapped.
    to_time_major(d.t, d.n, d.h, 0, d.n, hidden, y.data);
  } else {
    std::memcpy(y.data, hidden + static_cast<int64_t>(d.t - 1) * d.n * d.h,
                sizeof(float) * d.n * d.h);
  }

  if (Node* n = g.record(OpKind::kGru)) {
    n->in[0] = x.id;
    n->in[1] = w_ih.id;
    n->in[2] = w_hh.id;
    n->in[3] = b_ih ? b_ih->id : -1;
    n->in[4] = b_hh ? b_hh->id : -1;
    n->out = y.id;
    n->saved = saved;
  }
  return y;
}

namespace ops {

void gru_gradient(const Node& node, BackwardContext& ctx, const void*) {
  const Value& x = ctx.input(node, 0);
  const Value& w_ih = ctx.input(node, 1);
  const Value& w_hh = ctx.input(node, 2);
  const GruDims d = dims_of(x.shape, w_hh.shape);
  const bool all_steps = ctx.output(node).shape.rank == 3;
  const int64_t rows = static_cast<int64_t>(d.t) * d.n;
  const float* gy = ctx.grad_out(node);
  const float* hidden = node.saved + rows * 4 * d.h;
  float* gx = ctx.grad_in(node, 0);
  float* gw_ih = ctx.grad_in(node, 1);
  float* gw_hh = ctx.grad_in(node, 2);
  float* gb_ih = ctx.grad_in(node, 3);
  float* gb_hh = ctx.grad_in(node, 4);

  Arena& arena = ctx.arena();
  const int chunk = chunk_steps(d.n, d.h, d.t);
  const int64_t step_gates = static_cast<int64_t>(d.n) * 3 * d.h;
  float* d_gi = arena.allocate_array<float>(static_cast<size_t>(chunk * step_gates));
  float* xt = gw_ih ? arena.allocate_array<float>(static_cast<size_t>(chunk) * d.n * d.i) : nullptr;
  float* gxt = gx ? arena.allocate_array<float>(static_cast<size_t>(chunk) * d.n * d.i) : nullptr;
  // d_gh of every step when a W_hh or b_hh gradient needs them after the loop, else of one step.
  const bool keep_d_gh = gw_hh || gb_hh;
  float* d_gh_all =
      arena.allocate_array<float>(static_cast<size_t>(keep_d_gh ? rows * 3 * d.h : step_gates));
  float* dh = arena.allocate_zeroed_floats(static_cast<size_t>(d.n) * d.h);
  float* dh_prev = arena.allocate_array<float>(static_cast<size_t>(d.n) * d.h);
  if (!d_gi || !d_gh_all || !dh || !dh_prev || (gw_ih && !xt) || (gx && !gxt)) {
    ctx.fail(Status::error(Code::kOutOfMemory, "gru backward: arena exhausted"));
    return;
  }
  const KernelTable& k = ctx.kernels();
  for (int s = d.t - 1; s >= 0; --s) {
    if (all_steps) {  // dh[b] += gy[b, s], read in place (rows T·H apart)
      for (int b = 0; b < d.n; ++b)
        k.accumulate(d.h, gy + (static_cast<int64_t>(b) * d.t + s) * d.h,
                     dh + static_cast<int64_t>(b) * d.h);
    } else if (s == d.t - 1) {
      k.accumulate(static_cast<int64_t>(d.n) * d.h, gy, dh);
    }
    const float* h_prev = s > 0 ? hidden + static_cast<int64_t>(s - 1) * d.n * d.h : nullptr;
    float* d_gh = d_gh_all + (keep_d_gh ? s * step_gates : 0);
    const int c0 = s / chunk * chunk;  // the chunk [c0, c1) that step s is in
    k.gru_gates_backward(d.n, d.h, dh, h_prev, node.saved + static_cast<int64_t>(s) * d.n * 4 * d.h,
                         d_gi + (s - c0) * step_gates, d_gh, dh_prev);
    if (s > 0)  // h_0 = 0 is no input: its signal is never used
      k.sgemm(Trans::kNo, Trans::kNo, d.n, d.h, 3 * d.h, 1.0f, d_gh, 3 * d.h, w_hh.data, d.h, 1.0f,
              dh_prev, d.h);
    float* swap = dh;
    dh = dh_prev;
    dh_prev = swap;
    if (s == c0) {  // the chunk's input path
      const int c1 = c0 + chunk < d.t ? c0 + chunk : d.t;
      const int chunk_rows = (c1 - c0) * d.n;
      if (gb_ih) k.sum_rows_accumulate(chunk_rows, 3 * d.h, d_gi, gb_ih);
      if (gw_ih) {
        to_time_major(d.n, d.t, d.i, c0, c1, x.data, xt);
        k.sgemm(Trans::kYes, Trans::kNo, 3 * d.h, d.i, chunk_rows, 1.0f, d_gi, 3 * d.h, xt, d.i,
                1.0f, gw_ih, d.i);
      }
      if (gx) {
        k.sgemm(Trans::kNo, Trans::kNo, chunk_rows, d.i, 3 * d.h, 1.0f, d_gi, 3 * d.h, w_ih.data,
                d.i, 0.0f, gxt, d.i);
        add_to_batch_major(d.n, d.t, d.i, c0, c1, gxt, gx);
      }
    }
  }
  // Steps 1 … T−1 against h_0 … h_{T−2} (time-major rows, so both are contiguous); h_0 = 0 adds
  // nothing.
  if (gw_hh && d.t > 1)
    k.sgemm(Trans::kYes, Trans::kNo, 3 * d.h, d.h, static_cast<int>(rows - d.n), 1.0f,
            d_gh_all + step_gates, 3 * d.h, hidden, d.h, 1.0f, gw_hh, d.h);
  if (gb_hh) k.sum_rows_accumulate(rows, 3 * d.h, d_gh_all, gb_hh);
}

}  // namespace ops
}  // namespace salient
