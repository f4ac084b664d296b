// The blocked SGEMM loop nest and its split over threads (see sgemm_blocked.h).
#include "gemm/sgemm_blocked.h"

#include <algorithm>
#include <cstdint>

#include "gemm/pack_buffer.h"
#include "salient/assert.h"
#include "salient/threads.h"

namespace salient::kern {
namespace {

// One thread's share: C[m×n] = alpha·op(A)·op(B) + beta·C (+ epilogue), all pointers at its origin.
struct Gemm {
  Trans ta, tb;
  int m, n, k;
  float alpha;
  const float* a;
  int lda;
  const float* b;
  int ldb;
  float beta;
  float* c;
  int ldc;
  GemmEpilogue ep;
  bool has_ep;

  const float* a_at(int i, int p) const {
    return ta == Trans::kNo ? a + int64_t{i} * lda + p : a + int64_t{p} * lda + i;
  }
  const float* b_at(int p, int j) const {
    return tb == Trans::kNo ? b + int64_t{p} * ldb + j : b + int64_t{j} * ldb + p;
  }
  // The same product restricted to rows [i0, i0 + rows) and columns [j0, j0 + cols) of C.
  Gemm part(int i0, int rows, int j0, int cols) const {
    Gemm g = *this;
    g.m = rows;
    g.n = cols;
    g.a = a_at(i0, 0);
    g.b = b_at(0, j0);
    g.c = c + int64_t{i0} * ldc + j0;
    if (g.ep.row_bias) g.ep.row_bias += i0;
    if (g.ep.col_bias) g.ep.col_bias += j0;
    return g;
  }
};

// Rows of the A micro-panel that starts at row ir of an mc-row block: MR, except that a remainder
// of MR < rest < 2·MR is shared by the last two panels, so no tile runs on a sliver of rows
// (a 2-row tile has too few independent accumulators to hide the FMA latency).
int panel_rows(int mr, int mc, int ir) {
  const int rest = mc - ir;
  if (rest >= 2 * mr || rest <= mr) return std::min(mr, rest);
  return (rest + 1) / 2;
}

// op(A)[ic:ic+mc, pc:pc+kc] → micro-panels of panel_rows rows (stride MR), alpha folded in.
void pack_a(const SgemmMicroArch& arch, const Gemm& g, int ic, int pc, int mc, int kc, float* dst) {
  const PackFn pack = g.ta == Trans::kNo ? arch.pack_transposed : arch.pack_copied;
  for (int ir = 0, rows = 0; ir < mc; ir += rows, dst += arch.mr * kc) {
    rows = panel_rows(arch.mr, mc, ir);
    pack(rows, kc, g.a_at(ic + ir, pc), g.lda, g.alpha, dst, arch.mr);
  }
}

// op(B)[pc:pc+kc, jc:jc+nc] → NR-column micro-panels.
void pack_b(const SgemmMicroArch& arch, const Gemm& g, int pc, int jc, int kc, int nc, float* dst) {
  const PackFn pack = g.tb == Trans::kNo ? arch.pack_copied : arch.pack_transposed;
  for (int jr = 0; jr < nc; jr += arch.nr)
    pack(std::min(arch.nr, nc - jr), kc, g.b_at(pc, jc + jr), g.ldb, 1.0f, dst + jr * kc, arch.nr);
}

// A row-major op(B) is read in place, without packing, when C has a single block of rows (then
// each B value serves only the ≤ MC/MR row tiles of one block, so the copy would cost about as
// much as the tiles' own reads: 14 % of a batch-32 GRU step, whose W_hh was copied every step)
// and its row stride is not a multiple of 1 KiB (4 KiB strides would map a micro-panel's rows to
// a few L1 sets).
bool read_b_in_place(const SgemmMicroArch& arch, const Gemm& g) {
  return g.tb == Trans::kNo && g.m <= arch.mc && g.ldb % 256 != 0;
}

// Likewise a row-major op(A) is read in place when it is a single block of rows (each value then
// serves the ⌈nc/NR⌉ column tiles of its panel from cache, as a packed one would; packing it cost
// 5 % of an hmm-gru IG, whose per-step h and d_gh were transposed into panels every step), alpha
// is 1 (packing folds alpha in) and its row stride is not a multiple of 1 KiB (the rows of a
// panel would share a few L1 sets). The tile reads the same values in the same order: the result
// is bit-identical to the packed one.
bool read_a_in_place(const SgemmMicroArch& arch, const Gemm& g) {
  return arch.tile_a_in_place && g.ta == Trans::kNo && g.alpha == 1.0f && g.m <= arch.mc &&
         g.lda % 256 != 0;
}

void run(const SgemmMicroArch& arch, const Gemm& g) {
  float* a_block = pack_buffer(size_t(arch.mc) * arch.kc + size_t(arch.kc) * arch.nc);
  float* b_panel = a_block + size_t(arch.mc) * arch.kc;
  const bool direct_a = read_a_in_place(arch, g);
  const bool direct_b = read_b_in_place(arch, g);
  for (int jc = 0; jc < g.n; jc += arch.nc) {
    const int nc = std::min(arch.nc, g.n - jc);
    for (int pc = 0; pc < g.k; pc += arch.kc) {
      const int kc = std::min(arch.kc, g.k - pc);
      const float beta = pc == 0 ? g.beta : 1.0f;
      const bool last = pc + kc == g.k;
      // Whole micro-panels of B read in place, the last partial one packed (its columns past n
      // must read as zeros, and a read past the matrix's end is not allowed) unless the tiles
      // read only its columns.
      const int direct_cols = !direct_b ? 0 : arch.b_tail_in_place ? nc : nc / arch.nr * arch.nr;
      if (direct_cols < nc)
        pack_b(arch, g, pc, jc + direct_cols, kc, nc - direct_cols, b_panel + direct_cols * kc);
      for (int ic = 0; ic < g.m; ic += arch.mc) {
        const int mc = std::min(arch.mc, g.m - ic);
        if (!direct_a) pack_a(arch, g, ic, pc, mc, kc, a_block);
        for (int jr = 0; jr < nc; jr += arch.nr) {
          const int cols = std::min(arch.nr, nc - jr);
          const bool in_place = jr < direct_cols;
          const float* b_micro = in_place ? g.b_at(pc, jc + jr) : b_panel + jr * kc;
          const int ldb = in_place ? g.ldb : arch.nr;
          const float* a_panel = a_block;
          for (int ir = 0, rows = 0; ir < mc; ir += rows, a_panel += arch.mr * kc) {
            rows = panel_rows(arch.mr, mc, ir);
            GemmEpilogue ep = g.ep;
            if (ep.row_bias) ep.row_bias += ic + ir;
            if (ep.col_bias) ep.col_bias += jc + jr;
            float* c = g.c + int64_t{ic + ir} * g.ldc + jc + jr;
            const GemmEpilogue* tile_ep = last && g.has_ep ? &ep : nullptr;
            if (direct_a) {
              arch.tile_a_in_place(rows, cols, kc, g.a_at(ic + ir, pc), g.lda, b_micro, ldb, beta,
                                   c, g.ldc, tile_ep);
            } else {
              arch.tile(rows, cols, kc, a_panel, b_micro, ldb, beta, c, g.ldc, tile_ep);
            }
          }
        }
      }
    }
  }
}

// k = 0: the product is empty, so C = beta·C (0 when beta = 0), then the epilogue.
void scale_only(const Gemm& g) {
  for (int i = 0; i < g.m; ++i)
    for (int j = 0; j < g.n; ++j) {
      float& cij = g.c[int64_t{i} * g.ldc + j];
      cij = g.beta == 0.0f ? 0.0f : g.beta * cij;
      if (!g.has_ep) continue;
      if (g.ep.row_bias) cij += g.ep.row_bias[i];
      if (g.ep.col_bias) cij += g.ep.col_bias[j];
      if (g.ep.relu) cij = cij > 0.0f ? cij : 0.0f;
    }
}

// Below this many FLOPs per extra thread, waking a worker costs more than it saves.
constexpr double kFlopsPerThread = 2e6;

// A·Bᵀ (and A·B, through a transposed copy of B) with at most this many columns goes to `dot`
// whatever its rows: each C element is a dot product of two contiguous rows, over k in full
// vectors, where a tile would fill only n of its NR lanes (a GRU's input gradient dGI·W_ih, I = 3:
// 3 of 16 lanes). Its rows then no longer change their rounding with the batch size. (Wider A·B
// keeps its path. Its axpy kernel (few rows) and the tiles do not always round alike: past KC the
// tiles store each depth slice's sum and add the next to it, and packing folds alpha into A, so a
// row's result can depend on the batch size there.)
constexpr int kDotMaxCols = 4;

// C = alpha·A·Bᵀ + beta·C for a few rows or columns, through the arch's in-place dot kernel,
// dot_rows rows at a time.
void run_dot(const SgemmMicroArch& arch, const Gemm& g) {
  for (int i = 0; i < g.m; i += arch.dot_rows) {
    const Gemm r = g.part(i, std::min(arch.dot_rows, g.m - i), 0, g.n);
    arch.dot(r.m, r.n, r.k, r.alpha, r.a, r.lda, r.b, r.ldb, r.beta, r.c, r.ldc,
             r.has_ep ? &r.ep : nullptr);
  }
}

// C = alpha·A·B + beta·C for a few rows, through the arch's in-place axpy kernel.
void run_axpy(const SgemmMicroArch& arch, const Gemm& g) {
  arch.axpy(g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc,
            g.has_ep ? &g.ep : nullptr);
}

struct Split {
  const SgemmMicroArch* arch;
  const Gemm* g;
  void (*run)(const SgemmMicroArch&, const Gemm&);  // run, run_dot or run_axpy
  bool by_columns;
  int parts;
};

// Part t of `parts` gets whole tiles [tiles·t/parts, tiles·(t+1)/parts) along the split dimension.
void run_parts(void* ctx, int64_t begin, int64_t end) {
  const Split& s = *static_cast<const Split*>(ctx);
  const int step = s.by_columns ? s.arch->nr : s.arch->mr;
  const int size = s.by_columns ? s.g->n : s.g->m;
  const int64_t tiles = (size + step - 1) / step;
  for (int64_t t = begin; t < end; ++t) {
    const int lo = static_cast<int>(tiles * t / s.parts) * step;
    const int hi = std::min(size, static_cast<int>(tiles * (t + 1) / s.parts) * step);
    if (lo >= hi) continue;
    s.run(*s.arch,
          s.by_columns ? s.g->part(0, s.g->m, lo, hi - lo) : s.g->part(lo, hi - lo, 0, s.g->n));
  }
}

}  // namespace

void sgemm_blocked(const SgemmMicroArch& arch, Trans ta, Trans tb, int m, int n, int k, float alpha,
                   const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc,
                   const GemmEpilogue* ep) {
  SALIENT_ASSERT(m >= 0 && n >= 0 && k >= 0);
  if (m == 0 || n == 0) return;
  Gemm g{ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmEpilogue{}, false};
  if (ep) g.ep = *ep, g.has_ep = true;
  if (k == 0) return scale_only(g);

  // A·B with at most kDotMaxCols columns: B's columns copied into this thread's pack buffer as the
  // rows of Bᵀ (k·n ≤ 4k floats, read-only for the threads below, which pack nothing on the dot
  // path), then A·Bᵀ on the dot path like the products that come transposed (a GRU's input
  // gradient dGI·W_ih, I = 3).
  if (ta == Trans::kNo && tb == Trans::kNo && n <= kDotMaxCols &&
      static_cast<size_t>(n) * k <= kStaticPackFloats) {
    float* bt = pack_buffer(static_cast<size_t>(n) * k);
    for (int p = 0; p < k; ++p)
      for (int j = 0; j < n; ++j) bt[static_cast<size_t>(j) * k + p] = b[static_cast<size_t>(p) * ldb + j];
    g.tb = Trans::kYes;
    g.b = bt;
    g.ldb = k;
    tb = Trans::kYes;
  }
  const bool dot =
      ta == Trans::kNo && tb == Trans::kYes && (m <= arch.dot_rows || n <= kDotMaxCols);
  const bool axpy = ta == Trans::kNo && tb == Trans::kNo && m <= arch.axpy_rows;
  void (*const runner)(const SgemmMicroArch&, const Gemm&) = dot ? run_dot : axpy ? run_axpy : run;
  // Split C along columns when it is at least as wide as tall (each thread then packs only its
  // own B columns), else along rows; never into more parts than tiles.
  const int tiles_n = (n + arch.nr - 1) / arch.nr, tiles_m = (m + arch.mr - 1) / arch.mr;
  const bool by_columns =
      (dot && m <= arch.dot_rows) || axpy || (n >= m ? tiles_n > 1 : tiles_m == 1);
  const double flops = 2.0 * m * n * k;
  const int parts = static_cast<int>(
      std::min<double>({double(thread_count()), double(by_columns ? tiles_n : tiles_m),
                        std::max(1.0, flops / kFlopsPerThread)}));
  if (parts <= 1) return runner(arch, g);
  Split split{&arch, &g, runner, by_columns, parts};
  parallel_for(parts, &split, run_parts);
}

}  // namespace salient::kern
