// AVX-512 activations (relu, tanh, sigmoid and their backward) and GRU gate kernels: the templates
// of x86/vec_math.h over 16-lane zmm vectors (docs/kernels.md, "Activations").
#include <immintrin.h>

#include <cstdint>

#include "salient/kernels.h"
#include "x86/avx512/vec_avx512.h"
#include "x86/vec_math.h"

namespace salient::kern {
namespace {

// The activations' own operations on top of the shared AVX-512 traits (kAll: see there).
struct ActAvx512 : Avx512 {
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  static T round(T a) {
    return _mm512_maskz_roundscale_ps(kAll, a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static T pow2(T k) {
    const __m512i e = _mm512_add_epi32(_mm512_maskz_cvtps_epi32(kAll, k), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAll, e, 23));
  }
  static T sign(T x) { return _mm512_and_ps(x, _mm512_set1_ps(-0.0f)); }
  static T abs(T x) { return _mm512_andnot_ps(_mm512_set1_ps(-0.0f), x); }
  static T neg(T x) { return _mm512_xor_ps(x, _mm512_set1_ps(-0.0f)); }
  static T or_(T a, T b) { return _mm512_or_ps(a, b); }
  static T nan_or(T x, T y) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), y, x);
  }
  static T select_neg(T x, T a, T b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), b, a);
  }
  static T select_gt0(T x, T a, T b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), b, a);
  }
};

using K = Kernels<ActAvx512>;

}  // namespace

void relu__avx512(int64_t n, const float* x, float* y) { K::relu(n, x, y); }
void tanh__avx512(int64_t n, const float* x, float* y) { K::tanh(n, x, y); }
void sigmoid__avx512(int64_t n, const float* x, float* y) { K::sigmoid(n, x, y); }
void relu_backward__avx512(int64_t n, const float* x, const float* gy, float* gx) {
  K::relu_backward(n, x, gy, gx);
}
void tanh_backward__avx512(int64_t n, const float* y, const float* gy, float* gx) {
  K::tanh_backward(n, y, gy, gx);
}
void sigmoid_backward__avx512(int64_t n, const float* y, const float* gy, float* gx) {
  K::sigmoid_backward(n, y, gy, gx);
}
void gru_gates_forward__avx512(int n, int h, const float* gi, const float* gh, const float* h_prev,
                               float* h_out, float* ws) {
  K::gru_gates_forward(n, h, gi, gh, h_prev, h_out, ws);
}
void gru_gates_backward__avx512(int n, int h, const float* dh, const float* h_prev,
                                const float* ws, float* d_gi, float* d_gh, float* dh_prev) {
  K::gru_gates_backward(n, h, dh, h_prev, ws, d_gi, d_gh, dh_prev);
}

}  // namespace salient::kern
