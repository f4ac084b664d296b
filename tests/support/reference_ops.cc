#include "support/reference_ops.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

// Tests only pass valid arguments; anything else is a bug in the test itself.
#define REF_CHECK(cond)                                                                      \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: reference op precondition failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                                   \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace salient::refops {
namespace {

template <class F>
Array map(const Array& x, F&& f) {
  Array y = Array::zeros(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i) y.data[i] = f(x.data[i]);
  return y;
}

// Shared body of the 2-D pools (1-D pools are H = 1, kh = 1). x [N, C, H, W].
template <class Reduce>
Array pool2d(const Array& x, int64_t h, int64_t w, int kh, int kw, int sh, int sw, Reduce&& reduce) {
  REF_CHECK(kh >= 1 && kw >= 1 && sh >= 1 && sw >= 1 && kh <= h && kw <= w);
  const int64_t n = x.shape[0], c = x.shape[1];
  const int64_t oh = (h - kh) / sh + 1, ow = (w - kw) / sw + 1;
  std::vector<double> out(static_cast<size_t>(n * c * oh * ow));
  std::vector<double> window(static_cast<size_t>(kh * kw));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          for (int u = 0; u < kh; ++u)
            for (int v = 0; v < kw; ++v)
              window[u * kw + v] = x.data[((b * c + ch) * h + i * sh + u) * w + j * sw + v];
          out[((b * c + ch) * oh + i) * ow + j] = reduce(window);
        }
  return Array({n, c, oh, ow}, std::move(out));
}

double window_max(const std::vector<double>& v) {
  double m = v[0];
  for (double e : v) m = e > m ? e : m;
  return m;
}

double window_mean(const std::vector<double>& v) {
  double s = 0.0;
  for (double e : v) s += e;
  return s / static_cast<double>(v.size());
}

}  // namespace

Array::Array(std::vector<int64_t> s, std::vector<double> d) : shape(std::move(s)), data(std::move(d)) {
  REF_CHECK(numel_of(shape) == static_cast<int64_t>(data.size()));
}

Array Array::zeros(std::vector<int64_t> s) {
  const int64_t n = numel_of(s);
  return Array(std::move(s), std::vector<double>(static_cast<size_t>(n), 0.0));
}

int64_t numel_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Array linear(const Array& x, const Array& w, const Array* b) {
  REF_CHECK(x.rank() >= 1 && w.rank() == 2 && x.shape.back() == w.shape[1]);
  const int64_t in = w.shape[1], out = w.shape[0];
  REF_CHECK(!b || (b->rank() == 1 && b->shape[0] == out));
  const int64_t rows = x.numel() / in;
  std::vector<int64_t> y_shape = x.shape;
  y_shape.back() = out;
  Array y = Array::zeros(y_shape);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = b ? b->data[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += x.data[r * in + i] * w.data[o * in + i];
      y.data[r * out + o] = s;
    }
  return y;
}

Array conv2d(const Array& x, const Array& w, const Array* b, int stride_h, int stride_w, int pad_h,
             int pad_w) {
  REF_CHECK(x.rank() == 4 && w.rank() == 4 && x.shape[1] == w.shape[1]);
  REF_CHECK(stride_h >= 1 && stride_w >= 1 && pad_h >= 0 && pad_w >= 0);
  const int64_t n = x.shape[0], ci = x.shape[1], h = x.shape[2], wd = x.shape[3];
  const int64_t co = w.shape[0], kh = w.shape[2], kw = w.shape[3];
  REF_CHECK(!b || (b->rank() == 1 && b->shape[0] == co));
  REF_CHECK(h + 2 * pad_h >= kh && wd + 2 * pad_w >= kw);
  const int64_t oh = (h + 2 * pad_h - kh) / stride_h + 1;
  const int64_t ow = (wd + 2 * pad_w - kw) / stride_w + 1;
  Array y = Array::zeros({n, co, oh, ow});
  for (int64_t bn = 0; bn < n; ++bn)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double s = b ? b->data[o] : 0.0;
          for (int64_t c = 0; c < ci; ++c)
            for (int64_t u = 0; u < kh; ++u)
              for (int64_t v = 0; v < kw; ++v) {
                // Input coordinates in the unpadded image; padding reads as zero.
                const int64_t r = i * stride_h + u - pad_h;
                const int64_t s_col = j * stride_w + v - pad_w;
                const double xv = (r < 0 || r >= h || s_col < 0 || s_col >= wd)
                                      ? 0.0
                                      : x.data[((bn * ci + c) * h + r) * wd + s_col];
                s += w.data[((o * ci + c) * kh + u) * kw + v] * xv;
              }
          y.data[((bn * co + o) * oh + i) * ow + j] = s;
        }
  return y;
}

Array conv1d(const Array& x, const Array& w, const Array* b, int stride, int padding) {
  REF_CHECK(x.rank() == 3 && w.rank() == 3 && x.shape[1] == w.shape[1]);
  REF_CHECK(stride >= 1 && padding >= 0);
  const int64_t n = x.shape[0], ci = x.shape[1], len = x.shape[2];
  const int64_t co = w.shape[0], k = w.shape[2];
  REF_CHECK(!b || (b->rank() == 1 && b->shape[0] == co));
  REF_CHECK(len + 2 * padding >= k);
  const int64_t ol = (len + 2 * padding - k) / stride + 1;
  Array y = Array::zeros({n, co, ol});
  for (int64_t bn = 0; bn < n; ++bn)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t i = 0; i < ol; ++i) {
        double s = b ? b->data[o] : 0.0;
        for (int64_t c = 0; c < ci; ++c)
          for (int64_t u = 0; u < k; ++u) {
            const int64_t p = i * stride + u - padding;
            if (p < 0 || p >= len) continue;  // zero padding
            s += w.data[(o * ci + c) * k + u] * x.data[(bn * ci + c) * len + p];
          }
        y.data[(bn * co + o) * ol + i] = s;
      }
  return y;
}

Array maxpool1d(const Array& x, int kernel, int stride) {
  REF_CHECK(x.rank() == 3);
  Array y = pool2d(x, 1, x.shape[2], 1, kernel, 1, stride, window_max);
  return reshape(y, {y.shape[0], y.shape[1], y.shape[3]});
}

Array maxpool2d(const Array& x, int kernel_h, int kernel_w, int stride_h, int stride_w) {
  REF_CHECK(x.rank() == 4);
  return pool2d(x, x.shape[2], x.shape[3], kernel_h, kernel_w, stride_h, stride_w, window_max);
}

Array avgpool1d(const Array& x, int kernel, int stride) {
  REF_CHECK(x.rank() == 3);
  Array y = pool2d(x, 1, x.shape[2], 1, kernel, 1, stride, window_mean);
  return reshape(y, {y.shape[0], y.shape[1], y.shape[3]});
}

Array avgpool2d(const Array& x, int kernel_h, int kernel_w, int stride_h, int stride_w) {
  REF_CHECK(x.rank() == 4);
  return pool2d(x, x.shape[2], x.shape[3], kernel_h, kernel_w, stride_h, stride_w, window_mean);
}

Array global_avgpool(const Array& x) {
  REF_CHECK(x.rank() == 3 || x.rank() == 4);
  const int64_t n = x.shape[0], c = x.shape[1];
  const int64_t positions = x.numel() / (n * c);
  Array y = Array::zeros({n, c});
  for (int64_t p = 0; p < n * c; ++p) {
    double s = 0.0;
    for (int64_t k = 0; k < positions; ++k) s += x.data[p * positions + k];
    y.data[p] = s / static_cast<double>(positions);
  }
  return y;
}

Array relu(const Array& x) {
  return map(x, [](double v) { return v > 0.0 ? v : 0.0; });
}

Array tanh(const Array& x) {
  return map(x, [](double v) { return std::tanh(v); });
}

Array sigmoid(const Array& x) {
  return map(x, [](double v) { return 1.0 / (1.0 + std::exp(-v)); });
}

Array log_softmax(const Array& x) {
  REF_CHECK(x.rank() >= 1 && x.shape.back() >= 1);
  const int64_t cols = x.shape.back(), rows = x.numel() / cols;
  Array y = Array::zeros(x.shape);
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = &x.data[r * cols];
    double m = xr[0];
    for (int64_t j = 1; j < cols; ++j) m = xr[j] > m ? xr[j] : m;
    double s = 0.0;
    for (int64_t j = 0; j < cols; ++j) s += std::exp(xr[j] - m);
    const double log_sum = m + std::log(s);  // log Σ e^x
    for (int64_t j = 0; j < cols; ++j) y.data[r * cols + j] = xr[j] - log_sum;
  }
  return y;
}

// softmax = exp(log-softmax).
Array softmax(const Array& x) {
  return map(log_softmax(x), [](double v) { return std::exp(v); });
}

Array add(const Array& a, const Array& b) {
  REF_CHECK(a.shape == b.shape);
  Array y = Array::zeros(a.shape);
  for (int64_t i = 0; i < a.numel(); ++i) y.data[i] = a.data[i] + b.data[i];
  return y;
}

Array mul(const Array& a, const Array& b) {
  REF_CHECK(a.shape == b.shape);
  Array y = Array::zeros(a.shape);
  for (int64_t i = 0; i < a.numel(); ++i) y.data[i] = a.data[i] * b.data[i];
  return y;
}

Array reshape(const Array& x, std::vector<int64_t> shape) {
  REF_CHECK(numel_of(shape) == x.numel());
  return Array(std::move(shape), x.data);
}


// ---- recurrent, normalisation and loss ops ------------------------------------------------------

namespace {

double logistic(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// softplus(u) = log(1 + e^u), evaluated without overflow: max(u, 0) + log1p(e^{−|u|}).
double softplus(double u) { return (u > 0.0 ? u : 0.0) + std::log1p(std::exp(-std::fabs(u))); }

// y_i = γ_k·(x_i − μ_k)/√(σ²_k + eps) + β_k where k = feature(i).
template <class Feature>
Array normalize(const Array& x, const Array& gamma, const Array& beta, const std::vector<double>& mean,
                const std::vector<double>& var, double eps, Feature&& feature) {
  const size_t c = mean.size();
  REF_CHECK(var.size() == c && eps > 0.0);
  REF_CHECK(gamma.rank() == 1 && beta.rank() == 1 && gamma.numel() == static_cast<int64_t>(c) &&
            beta.numel() == static_cast<int64_t>(c));
  Array y = Array::zeros(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t k = feature(i);
    y.data[i] = gamma.data[k] * (x.data[i] - mean[k]) / std::sqrt(var[k] + eps) + beta.data[k];
  }
  return y;
}

// Per-feature mean and biased variance, two passes.
template <class Feature>
BatchStats stats_of(const Array& x, int64_t c, Feature&& feature) {
  BatchStats s;
  s.mean.assign(static_cast<size_t>(c), 0.0);
  s.var.assign(static_cast<size_t>(c), 0.0);
  s.count = x.numel() / c;
  for (int64_t i = 0; i < x.numel(); ++i) s.mean[feature(i)] += x.data[i];
  for (double& m : s.mean) m /= static_cast<double>(s.count);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double d = x.data[i] - s.mean[feature(i)];
    s.var[feature(i)] += d * d;
  }
  for (double& v : s.var) v /= static_cast<double>(s.count);
  return s;
}

}  // namespace

Array gru(const Array& x, const Array& w_ih, const Array& w_hh, const Array* b_ih, const Array* b_hh,
          bool all_steps, GruTrace* trace) {
  REF_CHECK(x.rank() == 3 && w_ih.rank() == 2 && w_hh.rank() == 2);
  const int64_t n = x.shape[0], steps = x.shape[1], in = x.shape[2];
  const int64_t hid = w_hh.shape[1];
  REF_CHECK(steps >= 1 && w_hh.shape[0] == 3 * hid && w_ih.shape[0] == 3 * hid && w_ih.shape[1] == in);
  REF_CHECK(!b_ih || (b_ih->rank() == 1 && b_ih->shape[0] == 3 * hid));
  REF_CHECK(!b_hh || (b_hh->rank() == 1 && b_hh->shape[0] == 3 * hid));
  // Row `row` of W_ih·x_t + b_ih and of W_hh·h + b_hh (row = gate·H + j; gates r = 0, z = 1, n = 2).
  auto input_side = [&](int64_t row, const double* xt) {
    double s = b_ih ? b_ih->data[row] : 0.0;
    for (int64_t i = 0; i < in; ++i) s += w_ih.data[row * in + i] * xt[i];
    return s;
  };
  auto hidden_side = [&](int64_t row, const double* h) {
    double s = b_hh ? b_hh->data[row] : 0.0;
    for (int64_t k = 0; k < hid; ++k) s += w_hh.data[row * hid + k] * h[k];
    return s;
  };
  if (trace) {
    for (Array* a : {&trace->r, &trace->z, &trace->n, &trace->hn, &trace->h})
      *a = Array::zeros({steps, n, hid});
  }
  Array y = all_steps ? Array::zeros({n, steps, hid}) : Array::zeros({n, hid});
  for (int64_t b = 0; b < n; ++b) {
    std::vector<double> h(static_cast<size_t>(hid), 0.0), next(static_cast<size_t>(hid));  // h_0 = 0
    for (int64_t t = 0; t < steps; ++t) {
      const double* xt = &x.data[(b * steps + t) * in];
      for (int64_t j = 0; j < hid; ++j) {
        const double r = logistic(input_side(j, xt) + hidden_side(j, h.data()));
        const double z = logistic(input_side(hid + j, xt) + hidden_side(hid + j, h.data()));
        const double hn = hidden_side(2 * hid + j, h.data());
        const double cand = std::tanh(input_side(2 * hid + j, xt) + r * hn);
        next[j] = (1.0 - z) * cand + z * h[j];
        if (trace) {
          const int64_t at = (t * n + b) * hid + j;
          trace->r.data[at] = r;
          trace->z.data[at] = z;
          trace->n.data[at] = cand;
          trace->hn.data[at] = hn;
          trace->h.data[at] = next[j];
        }
      }
      h.swap(next);
      if (all_steps)
        for (int64_t j = 0; j < hid; ++j) y.data[(b * steps + t) * hid + j] = h[j];
    }
    if (!all_steps)
      for (int64_t j = 0; j < hid; ++j) y.data[b * hid + j] = h[j];
  }
  return y;
}

BatchStats batch_stats_1d(const Array& x) {
  REF_CHECK(x.rank() >= 2 && x.shape.back() >= 1);
  const int64_t c = x.shape.back();
  return stats_of(x, c, [c](int64_t i) { return i % c; });
}

BatchStats batch_stats_2d(const Array& x) {
  REF_CHECK(x.rank() == 4);
  const int64_t c = x.shape[1], plane = x.shape[2] * x.shape[3];
  return stats_of(x, c, [c, plane](int64_t i) { return (i / plane) % c; });
}

Array batchnorm1d_train(const Array& x, const Array& gamma, const Array& beta, double eps) {
  const BatchStats s = batch_stats_1d(x);
  const int64_t c = x.shape.back();
  return normalize(x, gamma, beta, s.mean, s.var, eps, [c](int64_t i) { return i % c; });
}

Array batchnorm2d_train(const Array& x, const Array& gamma, const Array& beta, double eps) {
  const BatchStats s = batch_stats_2d(x);
  const int64_t c = x.shape[1], plane = x.shape[2] * x.shape[3];
  return normalize(x, gamma, beta, s.mean, s.var, eps, [c, plane](int64_t i) { return (i / plane) % c; });
}

Array batchnorm1d_eval(const Array& x, const Array& gamma, const Array& beta,
                       const Array& running_mean, const Array& running_var, double eps) {
  REF_CHECK(x.rank() >= 2);
  const int64_t c = x.shape.back();
  return normalize(x, gamma, beta, running_mean.data, running_var.data, eps,
                   [c](int64_t i) { return i % c; });
}

Array batchnorm2d_eval(const Array& x, const Array& gamma, const Array& beta,
                       const Array& running_mean, const Array& running_var, double eps) {
  REF_CHECK(x.rank() == 4);
  const int64_t c = x.shape[1], plane = x.shape[2] * x.shape[3];
  return normalize(x, gamma, beta, running_mean.data, running_var.data, eps,
                   [c, plane](int64_t i) { return (i / plane) % c; });
}

Array cross_entropy(const Array& logits, const Array& labels) {
  REF_CHECK(logits.rank() >= 2 && labels.rank() == logits.rank() - 1);
  for (int i = 0; i < labels.rank(); ++i) REF_CHECK(labels.shape[i] == logits.shape[i]);
  const int64_t cols = logits.shape.back(), rows = labels.numel();
  REF_CHECK(rows >= 1 && cols >= 1);
  const Array logp = log_softmax(logits);
  double sum = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const double label = labels.data[r];
    REF_CHECK(label >= 0.0 && label < static_cast<double>(cols) && label == std::floor(label));
    sum -= logp.data[r * cols + static_cast<int64_t>(label)];
  }
  return Array({}, {sum / static_cast<double>(rows)});
}

Array bce_with_logits(const Array& logits, const Array& targets) {
  REF_CHECK(logits.shape == targets.shape && logits.numel() >= 1);
  double sum = 0.0;
  for (int64_t i = 0; i < logits.numel(); ++i) {
    const double x = logits.data[i], y = targets.data[i];
    // −y·log σ(x) − (1 − y)·log(1 − σ(x)), with −log σ(x) = softplus(−x), −log(1 − σ(x)) = softplus(x).
    sum += y * softplus(-x) + (1.0 - y) * softplus(x);
  }
  return Array({}, {sum / static_cast<double>(logits.numel())});
}

Array mse(const Array& a, const Array& b) {
  REF_CHECK(a.shape == b.shape && a.numel() >= 1);
  double sum = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) sum += (a.data[i] - b.data[i]) * (a.data[i] - b.data[i]);
  return Array({}, {sum / static_cast<double>(a.numel())});
}

}  // namespace salient::refops
