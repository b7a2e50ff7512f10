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
#include "gemm_tc.h"

// One item's 64 x 64 tile of C (rows row0.., columns col0..) from A and B items, the epilogue included; split: 3xTF32.
template <bool TA, bool TB>
__device__ __forceinline__ void tc_item(bool split, float (*slabA)[TC_SLAB_FLOATS], float (*slabB)[TC_SLAB_FLOATS],
                                        int m, int n, int k, const float* aItem, int lda, const float* bItem, int ldb,
                                        float* cItem, int ldc, int accumulate, const float* biasItem, int relu,
                                        const float* maskItem) {
    const int row0 = blockIdx.y * GEMM_TC_TILE, col0 = blockIdx.x * GEMM_TC_TILE;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int g = lane / 4, t = lane % 4;
    const int wi = warp / 2 * TC_WARP_TILE, wj = warp % 2 * TC_WARP_TILE; // the warp's 32 x 32 in the tile
    float acc[2][4][4]; // [m16 tile][n8 tile][fragment element]
    tc_tile<TA, TB>(split, slabA, slabB, m, n, k, aItem, lda, bItem, ldb, row0, col0, acc);
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
        gemm_item_sums<GEMM_TC_TILE, GEMM_TC_TILE, GEMM_TC_THREADS>(blockIdx.y, blockIdx.x, g, bi, &slabA[0][0], GEMM_ARGS);
    }
}
