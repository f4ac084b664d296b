// Every SGEMM variant (the table kernels_for(isa) of each ISA this CPU runs, whatever the
// SALIENT_MAX_ISA cap) against the scalar reference, on odd and edge shapes: 1×1, primes, the
// register tiles ± 1 (6×16 for AVX2, 14×32 for AVX-512), depths across the KC = 256 block, sizes
// across the MC and NC blocks, and the few-row A·Bᵀ of the dot kernels; all four transpose cases,
// strided operands whose padding holds NaN (a read outside the matrix shows up), a C padding
// sentinel (a write outside shows up), and beta = 0 over NaN garbage.
//
// Tolerance. Each C element is a k-term dot product. In float32 with unit roundoff u = eps/2, any
// summation order gives |fl(Σ a·b) − Σ a·b| ≤ γ_k·Σ|a||b| with γ_k = k·u/(1 − k·u) (Higham,
// Accuracy and Stability of Numerical Algorithms, §3.1). The variant and the reference each satisfy
// it, and alpha and beta add two more roundings, so
//     |c − c_ref| ≤ (k + 2)·eps·(|alpha|·Σ_p |a_ip||b_pj| + |beta·c0_ij|)
// bounds their difference (2γ_{k+2} ≤ (k + 2)·eps for k·u ≪ 1). A wrong index or a lost block gives
// errors of the size of the terms themselves, far above it.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "salient/isa.h"
#include "salient/kernels.h"
#include "salient/random.h"
#include "support/simd_tables.h"
#include "salient/threads.h"

namespace salient {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kSentinel = -777.0f;

using testing_kernels::simd_tables;

// A rows×cols row-major matrix with row stride cols + pad; the padding holds `fill`.
struct Matrix {
  int rows, cols, ld;
  std::vector<float> v;
  Matrix(int r, int c, int pad, float fill)
      : rows(r), cols(c), ld(c + pad), v(size_t(r) * (c + pad), fill) {}
  float& at(int i, int j) { return v[size_t(i) * ld + j]; }
  float at(int i, int j) const { return v[size_t(i) * ld + j]; }
};

Matrix random_matrix(int rows, int cols, int pad, Rng& rng) {
  Matrix m(rows, cols, pad, kNaN);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m.at(i, j) = rng.uniform(-1.0f, 1.0f);
  return m;
}

struct Shape3 {
  int m, n, k;
};

struct Scalars {
  float alpha, beta;
  bool nan_c;  // C starts as NaN (beta must be 0)
};

struct Operands {
  Trans ta, tb;
  Shape3 s;
  Matrix a, b, c0;
  Operands(Trans ta_, Trans tb_, Shape3 s_, const Scalars& sc, uint64_t seed)
      : ta(ta_), tb(tb_), s(s_), a(0, 0, 0, 0), b(0, 0, 0, 0), c0(0, 0, 0, 0) {
    Rng rng(seed);
    a = ta == Trans::kNo ? random_matrix(s.m, s.k, 3, rng) : random_matrix(s.k, s.m, 1, rng);
    b = tb == Trans::kNo ? random_matrix(s.k, s.n, 2, rng) : random_matrix(s.n, s.k, 5, rng);
    c0 = random_matrix(s.m, s.n, 4, rng);
    for (int i = 0; i < s.m; ++i) {
      for (int j = 0; j < s.n; ++j)
        if (sc.nan_c) c0.at(i, j) = kNaN;
      for (int j = s.n; j < c0.ld; ++j) c0.at(i, j) = kSentinel;
    }
  }
  float op_a(int i, int p) const { return ta == Trans::kNo ? a.at(i, p) : a.at(p, i); }
  float op_b(int p, int j) const { return tb == Trans::kNo ? b.at(p, j) : b.at(j, p); }
  // The error bound of the header comment for C[i, j]. An epilogue adds two bias additions, each
  // rounding a value of at most magnitude + 2 (|bias| < 1); the ReLU moves no error.
  double bound(int i, int j, const Scalars& sc, bool epilogue) const {
    double magnitude = 0.0;
    for (int p = 0; p < s.k; ++p) magnitude += std::fabs(double(op_a(i, p)) * op_b(p, j));
    magnitude *= std::fabs(sc.alpha);
    if (sc.beta != 0.0f) magnitude += std::fabs(double(sc.beta) * c0.at(i, j));
    const double eps = FLT_EPSILON;
    return (s.k + 2) * eps * magnitude + (epilogue ? 2 * eps * (magnitude + 2) : 0.0);
  }
};

Matrix run_sgemm(const KernelTable& t, const Operands& o, const Scalars& sc,
                 const GemmEpilogue* ep) {
  Matrix c = o.c0;
  if (ep)
    t.sgemm_fused(o.ta, o.tb, o.s.m, o.s.n, o.s.k, sc.alpha, o.a.v.data(), o.a.ld, o.b.v.data(),
                  o.b.ld, sc.beta, c.v.data(), c.ld, *ep);
  else
    t.sgemm(o.ta, o.tb, o.s.m, o.s.n, o.s.k, sc.alpha, o.a.v.data(), o.a.ld, o.b.v.data(), o.b.ld,
            sc.beta, c.v.data(), c.ld);
  return c;
}

// Compares every SIMD table with the reference on one problem; stops at the first bad element.
void check(Trans ta, Trans tb, Shape3 s, const Scalars& sc, const GemmEpilogue* ep = nullptr) {
  const Operands o(ta, tb, s, sc, uint64_t(s.m) * 1000003u + uint64_t(s.n) * 1009u + uint64_t(s.k));
  const Matrix want = run_sgemm(reference_kernels(), o, sc, ep);
  for (const KernelTable* t : simd_tables()) {
    const Matrix got = run_sgemm(*t, o, sc, ep);
    SCOPED_TRACE(testing::Message()
                 << t->isa << " ta=" << int(ta) << " tb=" << int(tb) << " m=" << s.m << " n=" << s.n
                 << " k=" << s.k << " alpha=" << sc.alpha << " beta=" << sc.beta);
    for (int i = 0; i < s.m; ++i) {
      for (int j = 0; j < s.n; ++j) {
        const double tol = o.bound(i, j, sc, ep != nullptr);
        const double d = std::fabs(double(got.at(i, j)) - want.at(i, j));
        ASSERT_TRUE(std::isfinite(got.at(i, j)))
            << "C[" << i << "][" << j << "] = " << got.at(i, j);
        ASSERT_LE(d, tol) << "C[" << i << "][" << j << "]: " << got.at(i, j) << " vs "
                          << want.at(i, j);
      }
      for (int j = s.n; j < got.ld; ++j)
        ASSERT_EQ(got.at(i, j), kSentinel) << "padding of C written";
    }
  }
}

constexpr Trans kTrans[] = {Trans::kNo, Trans::kYes};
constexpr Scalars kPlain{1.0f, 0.0f, true};        // C = A·B over NaN garbage
constexpr Scalars kAccumulate{1.0f, 1.0f, false};  // C += A·B (backward)
constexpr Scalars kGeneral{-0.75f, 0.5f, false};   // alpha and beta both active

void check_all_cases(Shape3 s) {
  for (Trans ta : kTrans)
    for (Trans tb : kTrans)
      for (const Scalars& sc : {kPlain, kAccumulate, kGeneral}) check(ta, tb, s, sc);
}

// SIMD tables exist exactly where the CPU has SIMD (x86 with AVX2 or better); other architectures
// have no variants yet.
TEST(SgemmVariants, SimdTablesFollowTheCpu) {
#if defined(__x86_64__)
  EXPECT_EQ(simd_tables().empty(), cpu_isa() == Isa::kScalar);
#else
  EXPECT_TRUE(simd_tables().empty());
#endif
}

TEST(SgemmVariants, OneByOne) { check_all_cases({1, 1, 1}); }

TEST(SgemmVariants, Primes) {
  for (Shape3 s : {Shape3{3, 5, 7}, Shape3{7, 13, 31}, Shape3{37, 41, 43}, Shape3{2, 97, 3}})
    check_all_cases(s);
}

// Rows around MR = 6 and 14, columns around one and two vectors and NR = 16 and 32.
TEST(SgemmVariants, RegisterTileEdges) {
  for (int m : {5, 6, 7, 13, 14, 15, 28, 29})
    for (int n : {7, 8, 9, 15, 16, 17, 31, 32, 33})
      for (Trans ta : kTrans)
        for (Trans tb : kTrans) check(ta, tb, {m, n, 9}, m % 2 ? kGeneral : kPlain);
}

// Depths across the KC = 256 block: beta applies to the first block only.
TEST(SgemmVariants, LargeDepth) {
  for (int k : {255, 256, 257, 700}) check_all_cases({9, 35, k});
}

// Sizes across the MC (112, 144) and NC (512) blocks.
TEST(SgemmVariants, AcrossCacheBlocks) {
  check(Trans::kNo, Trans::kNo, {150, 40, 20}, kGeneral);
  check(Trans::kYes, Trans::kYes, {150, 40, 20}, kAccumulate);
  check(Trans::kNo, Trans::kYes, {5, 530, 20}, kPlain);
  check(Trans::kYes, Trans::kNo, {5, 530, 20}, kGeneral);
  check(Trans::kNo, Trans::kNo, {130, 150, 300}, kAccumulate);
}

// A·Bᵀ with up to 4 rows (a batch-1 linear layer, a GRU step) takes the in-place dot kernel
// (3 rows on AVX2); 5 rows is back on the loop nest. Depths around the 8- and 16-lane vectors.
TEST(SgemmVariants, SkinnyTimesTransposed) {
  for (int m : {1, 2, 3, 4, 5})
    for (int n : {1, 3, 4, 5, 9, 33})
      for (int k : {1, 7, 8, 9, 15, 16, 17, 200}) {
        check(Trans::kNo, Trans::kYes, {m, n, k}, kPlain);
        check(Trans::kNo, Trans::kYes, {m, n, k}, kGeneral);
      }
  check(Trans::kNo, Trans::kYes, {1, 600, 200}, kAccumulate);  // a GRU(→200) step at batch 1
}

// A·Bᵀ, and A·B through a transposed copy of B, with at most 4 columns take the dot kernel
// whatever their rows (a GRU's input gradient dGI·W_ih with 3 inputs, a linear layer with ≤ 4
// outputs), a few rows at a time; 5 columns is back on the loop nest (A·B: axpy or the tiles). With
// the fused epilogues (row biases offset per block of rows).
TEST(SgemmVariants, FewColumnsTimesTransposed) {
  Rng rng(9);
  std::vector<float> row_bias(200), col_bias(5);
  for (float& x : row_bias) x = rng.uniform(-1.0f, 1.0f);
  for (float& x : col_bias) x = rng.uniform(-1.0f, 1.0f);
  const GemmEpilogue ep{row_bias.data(), col_bias.data(), true};
  for (int m : {5, 14, 49, 98, 200})
    for (int n : {1, 3, 4, 5})
      for (int k : {3, 17, 600}) {
        check(Trans::kNo, Trans::kYes, {m, n, k}, kPlain);
        check(Trans::kNo, Trans::kYes, {m, n, k}, kGeneral);
        check(Trans::kNo, Trans::kYes, {m, n, k}, kPlain, &ep);
        check(Trans::kNo, Trans::kNo, {m, n, k}, kAccumulate);
        check(Trans::kNo, Trans::kNo, {m, n, k}, kGeneral, &ep);
      }
  for (int m : {1, 4}) check(Trans::kNo, Trans::kNo, {m, 3, 600}, kGeneral);  // rows axpy would take
}

// A·B with up to 4 rows (dh·W_hh in a batch-1 GRU backward, gy·W of a batch-1 linear layer) takes
// the in-place axpy kernel (3 rows on AVX2); 5 rows is back on the loop nest. Columns around the
// 8- and 16-lane vectors and the column blocks (1 row: 6 ymm = 48 / 8 zmm = 128 columns; 2-4 rows:
// 3 ymm = 24 / 4 zmm = 64 columns), so every masked block width runs.
TEST(SgemmVariants, SkinnyTimesPlain) {
  for (int m : {1, 2, 3, 4, 5})
    for (int n : {1, 7, 8, 9, 16, 17, 23, 24, 25, 47, 48, 49, 63, 64, 65, 127, 128, 129, 200})
      for (int k : {1, 2, 17}) {
        check(Trans::kNo, Trans::kNo, {m, n, k}, kPlain);
        check(Trans::kNo, Trans::kNo, {m, n, k}, kGeneral);
      }
  check(Trans::kNo, Trans::kNo, {1, 200, 600}, kAccumulate);  // a GRU(→200) backward step, batch 1
  check(Trans::kNo, Trans::kNo, {4, 1000, 300}, kAccumulate);
}

// A·B with one block of rows reads whole NR-column panels of B in place (the last partial panel
// packed): a batch-32 GRU step's forward (B = W_hhᵀ, ldb 600) and backward (B = W_hh, depth 600
// across KC), a row stride that is a multiple of 1 KiB (packed as before), and rows across MC.
TEST(SgemmVariants, PlainBInPlace) {
  check(Trans::kNo, Trans::kNo, {32, 600, 200}, kPlain);
  check(Trans::kNo, Trans::kNo, {32, 200, 600}, kAccumulate);
  check(Trans::kNo, Trans::kNo, {20, 512, 40}, kGeneral);
  check(Trans::kNo, Trans::kNo, {168, 97, 33}, kGeneral);
  check(Trans::kNo, Trans::kNo, {169, 97, 33}, kGeneral);
}

// The same values with a row stride that is a multiple of 256 floats (1 KiB), which makes the
// SGEMM pack the matrix instead of reading it in place.
Matrix with_packing_stride(const Matrix& m) {
  Matrix padded(m.rows, m.cols, (m.cols + 255) / 256 * 256 - m.cols, kNaN);
  for (int i = 0; i < m.rows; ++i)
    for (int j = 0; j < m.cols; ++j) padded.at(i, j) = m.at(i, j);
  return padded;
}

// Every SIMD table gives bit-identical C for the two layouts of the same operands.
void expect_same_products(const Operands& a, const Operands& b) {
  for (const KernelTable* t : simd_tables())
    EXPECT_EQ(run_sgemm(*t, a, kAccumulate, nullptr).v, run_sgemm(*t, b, kAccumulate, nullptr).v)
        << t->isa << " m=" << a.s.m << " n=" << a.s.n << " k=" << a.s.k << " tb=" << int(a.tb);
}

// A row-major A with one block of rows and alpha = 1 is read in place by the tiles instead of
// packed: the hmm-gru IG's per-step products at batch 49 (forward h·W_hhᵀ, backward d_gh·W_hh
// across KC, the input path's dGI·W_ih with 3 columns), rows across MC (168 in place, 169 packed).
// Against the reference, and bit-identical to the packed path, which a row stride that is a
// multiple of 256 floats (1 KiB) forces for the same values: the tiles read the same products in
// the same order either way.
TEST(SgemmVariants, PlainAInPlace) {
  const Shape3 shapes[] = {
      {49, 600, 200}, {49, 200, 600}, {98, 3, 600}, {168, 40, 30}, {169, 40, 30}};
  for (const Shape3& s : shapes) {
    check(Trans::kNo, Trans::kNo, s, kPlain);
    check(Trans::kNo, Trans::kNo, s, kAccumulate);
    check(Trans::kNo, Trans::kYes, s, kAccumulate);
  }
  for (const Shape3& s : shapes)
    for (Trans tb : kTrans) {
      const Operands in_place(Trans::kNo, tb, s, kAccumulate, 21);
      Operands packed = in_place;
      packed.a = with_packing_stride(in_place.a);
      expect_same_products(in_place, packed);
    }
}

// A partial last panel of an in-place B is read in place too where the tiles load only its
// columns (AVX-512): bit-identical to packing it, which a row stride that is a multiple of 256
// floats forces (n = 600: 18 whole panels and 24 columns; n = 200: 6 and 8; n = 97: 3 and 1).
TEST(SgemmVariants, PartialBPanelInPlace) {
  for (const Shape3& s : {Shape3{49, 600, 200}, Shape3{49, 200, 600}, Shape3{20, 97, 33}}) {
    const Operands in_place(Trans::kNo, Trans::kNo, s, kAccumulate, 22);
    Operands packed = in_place;
    packed.b = with_packing_stride(in_place.b);
    expect_same_products(in_place, packed);
  }
}

// A·B with few columns is the A·Bᵀ product with B transposed: bit-identical to passing Bᵀ.
TEST(SgemmVariants, FewColumnsTimesPlainEqualsTimesTransposed) {
  for (const Shape3& s : {Shape3{49, 3, 600}, Shape3{4, 4, 17}, Shape3{200, 1, 3}}) {
    const Operands plain(Trans::kNo, Trans::kNo, s, kAccumulate, 23);
    Operands transposed = plain;
    transposed.tb = Trans::kYes;
    transposed.b = Matrix(s.n, s.k, 0, kNaN);
    for (int p = 0; p < s.k; ++p)
      for (int j = 0; j < s.n; ++j) transposed.b.at(j, p) = plain.b.at(p, j);
    expect_same_products(plain, transposed);
  }
}

// The linear layer's three products (forward x·Wᵀ, backward gy·W and gyᵀ·x) at a training size.
TEST(SgemmVariants, LinearLayerShapes) {
  check(Trans::kNo, Trans::kYes, {32, 64, 512}, kPlain);
  check(Trans::kNo, Trans::kNo, {32, 512, 64}, kAccumulate);
  check(Trans::kYes, Trans::kNo, {64, 512, 32}, kAccumulate);
}

TEST(SgemmVariants, EmptyDepthScalesC) {
  check_all_cases({4, 19, 0});
  for (const KernelTable* t : simd_tables()) {  // m = 0 or n = 0 touches nothing
    float c = kSentinel;
    t->sgemm(Trans::kNo, Trans::kNo, 0, 1, 3, 1.0f, nullptr, 3, nullptr, 1, 0.0f, &c, 1);
    t->sgemm(Trans::kNo, Trans::kNo, 1, 0, 3, 1.0f, nullptr, 3, nullptr, 1, 0.0f, &c, 1);
    EXPECT_EQ(c, kSentinel) << t->isa;
  }
}

TEST(SgemmVariants, FusedEpilogues) {
  Rng rng(7);
  std::vector<float> row_bias(64), col_bias(600);
  for (float& x : row_bias) x = rng.uniform(-1.0f, 1.0f);
  for (float& x : col_bias) x = rng.uniform(-1.0f, 1.0f);
  const GemmEpilogue epilogues[] = {{row_bias.data(), nullptr, false},
                                    {nullptr, col_bias.data(), false},
                                    {row_bias.data(), col_bias.data(), true},
                                    {nullptr, nullptr, true}};
  for (const GemmEpilogue& ep : epilogues)
    for (Shape3 s : {Shape3{1, 1, 1}, Shape3{3, 9, 17}, Shape3{15, 33, 9}, Shape3{29, 17, 300},
                     Shape3{4, 530, 5}, Shape3{6, 7, 0}})
      for (Trans ta : kTrans)
        for (Trans tb : kTrans) {
          check(ta, tb, s, kPlain, &ep);
          check(ta, tb, s, kGeneral, &ep);
        }
}

// Threads split C into whole tiles without changing any element's summation order, so every
// thread count gives the same bits.
TEST(SgemmVariants, BitIdenticalForEveryThreadCount) {
  const int saved = thread_count();
  const Operands tall(Trans::kNo, Trans::kYes, {203, 301, 150}, kAccumulate, 11);
  const Operands skinny(Trans::kNo, Trans::kYes, {2, 3001, 900}, kAccumulate, 12);  // dot kernel
  const Operands axpy(Trans::kNo, Trans::kNo, {3, 3001, 900}, kAccumulate, 13);     // axpy kernel
  const Operands few_columns(Trans::kNo, Trans::kYes, {3001, 3, 900}, kAccumulate,
                             14);  // dot, by rows
  for (const Operands* o : {&tall, &skinny, &axpy, &few_columns})
    for (const KernelTable* t : simd_tables()) {
      set_thread_count(1);
      const Matrix one = run_sgemm(*t, *o, kAccumulate, nullptr);
      for (int threads : {2, 3, 5}) {
        set_thread_count(threads);
        const Matrix many = run_sgemm(*t, *o, kAccumulate, nullptr);
        EXPECT_EQ(one.v, many.v) << t->isa << " m=" << o->s.m << " with " << threads << " threads";
      }
    }
  set_thread_count(saved);
}

}  // namespace
}  // namespace salient
