// The arguments and the epilogue every GEMM kernel shares (gemm.cu, gemm_tc.cu): the meaning is gemm.cu's header,
// and then C = 0 where mask <= 0 when mask is not null (a ReLU's backward: ops.Gemm's mask, laid out as C). Beside
// the product, sumOf 1 or 2 adds the sums over k of op(A)'s rows or op(B)'s columns to sum (ops.Gemm's columnSums: a
// bias gradient in its weight gradient's launch), that operand stored k-major; 0: none.
#pragma once

#include "column_sums.h"

#define GEMM_PARAMS                                                                                             \
    int groups, int batch, int transA, int transB, int m, int n, int k,                                         \
    const float* __restrict__ a, int lda, int strideA, int groupStrideA,                                        \
    const float* __restrict__ b, int ldb, int strideB, int groupStrideB,                                        \
    float* __restrict__ c, int ldc, int strideC, int groupStrideC,                                              \
    int accumulate, const float* __restrict__ bias, int strideBias, int groupStrideBias, int relu,              \
    const float* __restrict__ mask, int sumOf, float* __restrict__ sum, int strideSum, int groupStrideSum

// GEMM_PARAMS's names, to pass them on
#define GEMM_ARGS                                                                                               \
    groups, batch, transA, transB, m, n, k, a, lda, strideA, groupStrideA, b, ldb, strideB, groupStrideB, c, ldc, \
    strideC, groupStrideC, accumulate, bias, strideBias, groupStrideBias, relu, mask, sumOf, sum, strideSum,      \
    groupStrideSum

// mask (null: none) holds items laid out as C's: the mask element of C's element out, c being C's first element
__device__ __forceinline__ const float* gemm_mask_at(const float* mask, const float* c, const float* out) {
    return mask ? mask + (out - c) : nullptr;
}

// the epilogue of one element: C = act((accumulate ? C : 0) + sum + bias[j]), then 0 where *maskAt <= 0 (maskAt
// null: no mask; a NaN mask keeps the value, as a ReLU's backward does)
__device__ __forceinline__ void gemm_store(float* out, float sum, const float* biasItem, int j, int accumulate, int relu,
                                           const float* maskAt) {
    float v = (accumulate ? *out : 0.0f) + sum + (biasItem ? biasItem[j] : 0.0f);
    v = relu && v < 0.0f ? 0.0f : v;
    *out = maskAt && *maskAt <= 0.0f ? 0.0f : v;
}

// Item (g, bi)'s operand sums (sumOf), the block's share once its BM x BN tile of C is done: the blocks of the first
// tile column sum op(A)'s rows of their tile, those of the first tile row op(B)'s columns of theirs, each as
// column_sums_span sums the operand's stored columns (k-major: row p holds k index p). scratch: 8 x 33 floats of the
// block's shared memory, free to reuse.
template <int BM, int BN, int THREADS>
__device__ __forceinline__ void gemm_item_sums(unsigned g, unsigned bi, float* scratch, GEMM_PARAMS) {
    if (sumOf == 0 || (sumOf == 1 ? blockIdx.x : blockIdx.y) != 0) return;
    float* sumItem = sum + g * groupStrideSum + bi * strideSum;
    if (sumOf == 1) column_sums_span<THREADS>(a + g * groupStrideA + bi * strideA, lda, k, m, blockIdx.y * BM, BM,
                                              sumItem, scratch);
    else column_sums_span<THREADS>(b + g * groupStrideB + bi * strideB, ldb, k, n, blockIdx.x * BN, BN, sumItem,
                                   scratch);
}
