// AVX2 + FMA activations (relu, tanh, sigmoid and their backward) and GRU gate kernels: the
// templates of x86/vec_math.h over 8-lane ymm vectors (docs/kernels.md, "Activations").
#include <immintrin.h>

#include <cstdint>

#include "salient/kernels.h"
#include "x86/avx2/vec_avx2.h"
#include "x86/vec_math.h"

namespace salient::kern {
namespace {

// The activations' own operations on top of the shared AVX2 traits.
struct ActAvx2 : Avx2 {
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
  static T round(T a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static T pow2(T k) {
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  static T sign(T x) { return _mm256_and_ps(x, _mm256_set1_ps(-0.0f)); }
  static T abs(T x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
  static T neg(T x) { return _mm256_xor_ps(x, _mm256_set1_ps(-0.0f)); }
  static T or_(T a, T b) { return _mm256_or_ps(a, b); }
  // x where x is NaN, else y.
  static T nan_or(T x, T y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)); }
  // a where x < 0, else b.
  static T select_neg(T x, T a, T b) {
    return _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
  }
  // a where x > 0, else b.
  static T select_gt0(T x, T a, T b) {
    return _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
  }
};

using K = Kernels<ActAvx2>;

}  // namespace

void relu__avx2(int64_t n, const float* x, float* y) { K::relu(n, x, y); }
void tanh__avx2(int64_t n, const float* x, float* y) { K::tanh(n, x, y); }
void sigmoid__avx2(int64_t n, const float* x, float* y) { K::sigmoid(n, x, y); }
void relu_backward__avx2(int64_t n, const float* x, const float* gy, float* gx) {
  K::relu_backward(n, x, gy, gx);
}
void tanh_backward__avx2(int64_t n, const float* y, const float* gy, float* gx) {
  K::tanh_backward(n, y, gy, gx);
}
void sigmoid_backward__avx2(int64_t n, const float* y, const float* gy, float* gx) {
  K::sigmoid_backward(n, y, gy, gx);
}
void gru_gates_forward__avx2(int n, int h, const float* gi, const float* gh, const float* h_prev,
                             float* h_out, float* ws) {
  K::gru_gates_forward(n, h, gi, gh, h_prev, h_out, ws);
}
void gru_gates_backward__avx2(int n, int h, const float* dh, const float* h_prev, const float* ws,
                              float* d_gi, float* d_gh, float* dh_prev) {
  K::gru_gates_backward(n, h, dh, h_prev, ws, d_gi, d_gh, dh_prev);
}

}  // namespace salient::kern
