// The packed, blocked SGEMM that every SIMD variant runs (the BLIS/GotoBLAS loop nest):
//
//   for jc in steps of NC:            B panel op(B)[pc:pc+KC, jc:jc+NC] packed     (L2/L3)
//     for pc in steps of KC:
//       for ic in steps of MC:        A block op(A)[ic:ic+MC, pc:pc+KC] packed         (L2)
//         for jr in steps of NR:      one KC×NR micro-panel of B stays in L1
//           for ir in steps of MR:    C[MR×NR] += Ã[MR×KC]·B̃[KC×NR]  in registers      (tile)
//
// Packed layouts: an A micro-panel holds ã[p·MR + r] = alpha·op(A)[ir+r, pc+p]; a B micro-panel
// holds b̃[p·NR + j] = op(B)[pc+p, jr+j]; rows/columns past the matrix edge are zero. A block's
// last rows, when more than MR remain, are shared evenly by its last two A panels. Every
// transpose case is a packing choice (a copy or an 8×8-block transpose), so one tile kernel serves
// C = A·B, A·Bᵀ, Aᵀ·B and Aᵀ·Bᵀ. The first KC step applies the caller's beta, later steps add
// (beta = 1), and the last one applies the epilogue.
//
// Skinny products: A·Bᵀ with only a few rows (a batch-1 linear layer, a GRU step) skips the loop
// nest: packing would transpose all of B to use each value once, so `dot` reads both operands in
// place instead; so does A·Bᵀ with only a few columns (a tile would fill few of its lanes).
// Likewise A·B with a few rows (the backward of those: dh·W_hh, gy·W) goes to `axpy`, which sums
// scaled rows of B read in place.
//
// Threads: C is cut into contiguous column (or row) ranges of whole tiles, one per thread, and
// each thread runs this loop nest on its range with its own packing buffers. Splitting C never
// changes the order in which any C element's sum is formed, so the result is bit-identical for
// every thread count.
#pragma once

#include "salient/kernels.h"

namespace salient::kern {

/// Packs a micro-panel: dst[p·stride + r] = scale·S(r, p) for r < rows, p < depth, and 0 for
/// rows ≤ r < stride, where S(r, p) = src[r·ld + p] ("transposed": each r is a contiguous row of
/// the source) or src[p·ld + r] ("copied": each p is a contiguous row of the source).
using PackFn = void (*)(int rows, int depth, const float* src, int ld, float scale, float* dst,
                        int stride);

/// C[rows×cols] (row stride ldc) = beta·C + Σ_p ã[p·MR + r]·b[p·ldb + j], then the epilogue if ep
/// is not null (its biases already offset to this tile). rows ≤ MR, cols ≤ NR; beta = 0 never
/// reads C. b is a packed micro-panel (ldb = NR) or, for a panel of a row-major op(B) that is used
/// in place, B itself (ldb its row stride); all NR columns of b are read, or only the first cols
/// with SgemmMicroArch::b_tail_in_place.
using TileFn = void (*)(int rows, int cols, int depth, const float* a_packed, const float* b,
                        int ldb, float beta, float* c, int ldc, const GemmEpilogue* ep);

/// The same with A read in place: a = op(A) at the tile's first row, row-major with row stride lda
/// (ã[p·MR + r] above becomes a[r·lda + p]; alpha = 1).
using TileAInPlaceFn = void (*)(int rows, int cols, int depth, const float* a, int lda,
                                const float* b, int ldb, float beta, float* c, int ldc,
                                const GemmEpilogue* ep);

/// Skinny C = alpha·A·Bᵀ + beta·C with A [m×k] and B [n×k] read in place (no packing), for
/// m ≤ dot_rows: C[i, j] = beta·C[i, j] + alpha·Σ_p a[i·lda + p]·b[j·ldb + p], then the epilogue if
/// ep is not null (its biases offset to this block).
using DotFn = void (*)(int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                       int ldb, float beta, float* c, int ldc, const GemmEpilogue* ep);

/// What a SIMD variant gives the loop nest: its register tile, its cache blocks, and its kernels.
/// Skinny C = alpha·A·B + beta·C with A [m×k] and B [k×n] read in place (no packing), for
/// m ≤ axpy_rows: C[i, j] = beta·C[i, j] + alpha·Σ_p a[i·lda + p]·b[p·ldb + j], then the epilogue
/// if ep is not null (its biases offset to this block).
using AxpyFn = DotFn;

struct SgemmMicroArch {
  int mr, nr;      // register tile: MR rows × NR columns of C
  int kc, mc, nc;  // cache blocks: depth KC, A block MC×KC, B panel KC×NC (MC % MR = NC % NR = 0)
  PackFn pack_transposed;
  PackFn pack_copied;
  TileFn tile;
  int dot_rows;  // A·Bᵀ with at most this many rows goes to `dot` instead of the loop nest
  DotFn dot;
  int axpy_rows;  // A·B with at most this many rows goes to `axpy` instead of the loop nest
  AxpyFn axpy;
  TileAInPlaceFn tile_a_in_place = nullptr;  // null: A is always packed
  bool b_tail_in_place = false;  // the tiles read only `cols` columns of b: a partial panel of B
                                 // can be read in place too
};

/// C = alpha·op(A)·op(B) + beta·C, then the epilogue (if ep is not null), on the arch's kernels.
void sgemm_blocked(const SgemmMicroArch& arch, Trans ta, Trans tb, int m, int n, int k, float alpha,
                   const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc,
                   const GemmEpilogue* ep);

}  // namespace salient::kern
