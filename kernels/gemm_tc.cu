// The products of ops.Gemm on tensor cores (launched by ops.TensorCoreGemm): gemm.cu's meaning and arguments
// (GEMM_PARAMS, the same epilogue), plus precision:
//   1 (TF32): op(A) and op(B) rounded to TF32 (cvt.rna), products summed in FP32 by mma.sync m16n8k8;
//   2 (3xTF32, CUTLASS's): each input x split into big = tf32(x) and small = tf32(x - big), and per k step of 8
//     acc += a_small * b_big, then acc += a_big * b_small, then acc += a_big * b_big (three mma.sync).
// A 64 x 64 tile of C per block of four warps, each warp 32 x 32 of it (2 x 4 mma tiles of 16 x 8). k goes in
// slabs of 16 through a three-stage cp.async pipeline in shared memory. An operand's slab is a copy of its stored
// rows (transposed or not): 16-byte copies where the item's address and ld are 16-byte aligned and the four
// elements are inside the matrix, else 4-byte copies of the elements inside and zeros outside (k beyond the last
// slab adds zero products). grid (ceil(n / 64), ceil(m / 64), min(groups * batch, 65535)); grid z walks the items.

#include "launch.h"
#include "gemm.h"
#include "mma.h"

#define TC_DEPTH 16  // k per slab: two mma k steps
#define TC_STAGES 3  // slabs in shared memory: one multiplied, two in flight
#define TC_WARP_TILE 32

// The row stride in shared memory of a slab COLS wide: a multiple of 4 (16-byte rows for cp.async) that spreads a
// warp's fragment reads over the 32 banks: k along the row (16 wide) strides 20, k down the column (64 wide) 72.
template <int COLS> __device__ __forceinline__ constexpr int tc_stride() {
    return COLS == TC_DEPTH ? COLS + 4 : COLS + 8;
}

#define TC_SLAB_FLOATS (GEMM_TC_TILE * (TC_DEPTH + 4))  // the larger of 64 x 20 and 16 x 72

// Starts copying rows [r0, r0 + ROWS) x columns [c0, c0 + COLS) of a stored (rows, cols) matrix src (row stride ld)
// into slab; what lies outside the matrix is zero. aligned: src and ld allow 16-byte copies.
template <int ROWS, int COLS>
__device__ __forceinline__ void tc_stage(float* slab, const float* src, int ld, int rows, int cols, int r0, int c0,
                                         bool aligned) {
    constexpr int stride = tc_stride<COLS>();
    for (int q = threadIdx.x; q < ROWS * COLS / 4; q += GEMM_TC_THREADS) {
        const int r = q / (COLS / 4), col = q % (COLS / 4) * 4;
        const int gr = r0 + r, gc = c0 + col;
        float* dst = slab + r * stride + col;
        if (aligned && gr < rows && gc + 3 < cols) {
            cp_async<16>(dst, src + gr * ld + gc);
        } else {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                if (gr < rows && gc + e < cols) cp_async<4>(dst + e, src + gr * ld + gc + e);
                else dst[e] = 0.0f;
            }
        }
    }
}

// op(A)[i][p] of a slab: A's stored rows are i (k along the row) or, when TA, p.
template <bool TA> __device__ __forceinline__ float tc_a(const float* slab, int i, int p) {
    return TA ? slab[p * tc_stride<GEMM_TC_TILE>() + i] : slab[i * tc_stride<TC_DEPTH>() + p];
}

// op(B)[p][j] of a slab: B's stored rows are p or, when TB, j (k along the row).
template <bool TB> __device__ __forceinline__ float tc_b(const float* slab, int p, int j) {
    return TB ? slab[j * tc_stride<TC_DEPTH>() + p] : slab[p * tc_stride<GEMM_TC_TILE>() + j];
}

// x as TF32 (big) and, when split, the TF32 rest x - big (small).
__device__ __forceinline__ void tc_split(bool split, float x, unsigned& big, unsigned& small) {
    big = tf32_round(x);
    if (split) small = tf32_round(x - tf32_float(big));
}

// One item's 64 x 64 tile of C (rows row0.., columns col0..) from A and B items, the epilogue included; split: 3xTF32.
// The transposes are template arguments, the precision a run-time one: as a template argument too, it took the kernel
// from 128 to 167 registers on sm_80 and its SASS from 205 to 364 KB per architecture (nvcc 13).
template <bool TA, bool TB>
__device__ __forceinline__ void tc_item(bool split, float (*slabA)[TC_SLAB_FLOATS], float (*slabB)[TC_SLAB_FLOATS],
                                        int m, int n, int k, const float* aItem, int lda, const float* bItem, int ldb,
                                        float* cItem, int ldc, int accumulate, const float* biasItem, int relu,
                                        const float* maskItem) {
    const int row0 = blockIdx.y * GEMM_TC_TILE, col0 = blockIdx.x * GEMM_TC_TILE;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int g = lane / 4, t = lane % 4;
    const int wi = warp / 2 * TC_WARP_TILE, wj = warp % 2 * TC_WARP_TILE; // the warp's 32 x 32 in the tile
    const bool alignedA = (reinterpret_cast<unsigned long long>(aItem) % 16 == 0) && lda % 4 == 0;
    const bool alignedB = (reinterpret_cast<unsigned long long>(bItem) % 16 == 0) && ldb % 4 == 0;
    const int slabs = (k + TC_DEPTH - 1) / TC_DEPTH;
    auto stage = [&](int s) { // slab s of op(A) and op(B) into stage s % TC_STAGES
        const int p0 = s * TC_DEPTH;
        float* sa = slabA[s % TC_STAGES];
        float* sb = slabB[s % TC_STAGES];
        if (TA) tc_stage<TC_DEPTH, GEMM_TC_TILE>(sa, aItem, lda, k, m, p0, row0, alignedA);
        else tc_stage<GEMM_TC_TILE, TC_DEPTH>(sa, aItem, lda, m, k, row0, p0, alignedA);
        if (TB) tc_stage<GEMM_TC_TILE, TC_DEPTH>(sb, bItem, ldb, n, k, col0, p0, alignedB);
        else tc_stage<TC_DEPTH, GEMM_TC_TILE>(sb, bItem, ldb, k, n, p0, col0, alignedB);
    };
    float acc[2][4][4]; // [m16 tile][n8 tile][fragment element]
#pragma unroll
    for (int mi = 0; mi < 2; mi++)
#pragma unroll
        for (int ni = 0; ni < 4; ni++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[mi][ni][r] = 0.0f;
#pragma unroll
    for (int s = 0; s < TC_STAGES - 1; s++) {
        if (s < slabs) stage(s);
        cp_async_commit();
    }
    for (int s = 0; s < slabs; s++) {
        cp_async_wait<TC_STAGES - 2>(); // slab s has landed (this thread's copies) ...
        __syncthreads();                // ... and everyone's; stage (s - 1) % TC_STAGES is free again
        if (s + TC_STAGES - 1 < slabs) stage(s + TC_STAGES - 1);
        cp_async_commit();
        const float* sa = slabA[s % TC_STAGES];
        const float* sb = slabB[s % TC_STAGES];
#pragma unroll
        for (int p0 = 0; p0 < TC_DEPTH; p0 += 8) {
            unsigned aBig[2][4], aSmall[2][4], bBig[4][2], bSmall[4][2];
#pragma unroll
            for (int mi = 0; mi < 2; mi++) {
                const int i = wi + 16 * mi + g;
                tc_split(split, tc_a<TA>(sa, i, p0 + t), aBig[mi][0], aSmall[mi][0]);
                tc_split(split, tc_a<TA>(sa, i + 8, p0 + t), aBig[mi][1], aSmall[mi][1]);
                tc_split(split, tc_a<TA>(sa, i, p0 + t + 4), aBig[mi][2], aSmall[mi][2]);
                tc_split(split, tc_a<TA>(sa, i + 8, p0 + t + 4), aBig[mi][3], aSmall[mi][3]);
            }
#pragma unroll
            for (int ni = 0; ni < 4; ni++) {
                const int j = wj + 8 * ni + g;
                tc_split(split, tc_b<TB>(sb, p0 + t, j), bBig[ni][0], bSmall[ni][0]);
                tc_split(split, tc_b<TB>(sb, p0 + t + 4, j), bBig[ni][1], bSmall[ni][1]);
            }
#pragma unroll
            for (int mi = 0; mi < 2; mi++)
#pragma unroll
                for (int ni = 0; ni < 4; ni++) {
                    if (split) {
                        mma_tf32(acc[mi][ni], aSmall[mi], bBig[ni]);
                        mma_tf32(acc[mi][ni], aBig[mi], bSmall[ni]);
                    }
                    mma_tf32(acc[mi][ni], aBig[mi], bBig[ni]);
                }
        }
    }
    __syncthreads(); // the stages are rewritten by the next item
#pragma unroll
    for (int mi = 0; mi < 2; mi++)
#pragma unroll
        for (int ni = 0; ni < 4; ni++)
#pragma unroll
            for (int r = 0; r < 4; r++) {
                const int gi = row0 + wi + 16 * mi + g + 8 * (r / 2), gj = col0 + wj + 8 * ni + 2 * t + r % 2;
                if (gi < m && gj < n) gemm_store(cItem + gi * ldc + gj, acc[mi][ni][r], biasItem, gj, accumulate, relu,
                                                  maskItem ? maskItem + gi * ldc + gj : nullptr);
            }
}

extern "C" __global__ void __launch_bounds__(GEMM_TC_THREADS) gemm_tf32(GEMM_PARAMS, int precision) {
    __shared__ __align__(16) float slabA[TC_STAGES][TC_SLAB_FLOATS];
    __shared__ __align__(16) float slabB[TC_STAGES][TC_SLAB_FLOATS];
    for (unsigned item = blockIdx.z; item < (unsigned)(groups * batch); item += gridDim.z) {
        const unsigned g = item / batch, bi = item % batch;
        const float* aItem = a + g * groupStrideA + bi * strideA;
        const float* bItem = b + g * groupStrideB + bi * strideB;
        float* cItem = c + g * groupStrideC + bi * strideC;
        const float* biasItem = bias ? bias + g * groupStrideBias + bi * strideBias : nullptr;
        const bool split = precision == 2;
#define TC_ITEM(TA, TB)                                                                                         \
    tc_item<TA, TB>(split, slabA, slabB, m, n, k, aItem, lda, bItem, ldb, cItem, ldc, accumulate, biasItem, relu,   \
                    gemm_mask_at(mask, c, cItem))
        if (transA) {
            if (transB) TC_ITEM(true, true);
            else TC_ITEM(true, false);
        } else {
            if (transB) TC_ITEM(false, true);
            else TC_ITEM(false, false);
        }
#undef TC_ITEM
    }
}
