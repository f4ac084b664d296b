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

}  // namespace salient::refops
