// The arguments and the epilogue every GEMM kernel shares (gemm.cu, gemm_tc.cu): the meaning is gemm.cu's header,
// and then C = 0 where mask <= 0 when mask is not null (a ReLU's backward: ops.Gemm's mask, laid out as C). Beside
// the product, sumOf 1 or 2 adds the sums over k of op(A)'s rows or op(B)'s columns to sum (ops.Gemm's columnSums: a
// bias gradient in its weight gradient's launch), that operand stored k-major; 0: none.
#pragma once

#include "column_sums.h"

// A product's parameters, their names prefixed with P (empty for GEMM_PARAMS: gemm_multi takes several products)
#define GEMM_PARAMS_OF(P)                                                                                       \
    int P##groups, int P##batch, int P##transA, int P##transB, int P##m, int P##n, int P##k,                    \
    const float* __restrict__ P##a, int P##lda, int P##strideA, int P##groupStrideA,                            \
    const float* __restrict__ P##b, int P##ldb, int P##strideB, int P##groupStrideB,                            \
    float* __restrict__ P##c, int P##ldc, int P##strideC, int P##groupStrideC,                                  \
    int P##accumulate, const float* __restrict__ P##bias, int P##strideBias, int P##groupStrideBias, int P##relu, \
    const float* __restrict__ P##mask, int P##sumOf, float* __restrict__ P##sum, int P##strideSum,              \
    int P##groupStrideSum
#define GEMM_PARAMS GEMM_PARAMS_OF()

// GEMM_PARAMS_OF(P)'s names, to pass them on
#define GEMM_ARGS_OF(P)                                                                                         \
    P##groups, P##batch, P##transA, P##transB, P##m, P##n, P##k, P##a, P##lda, P##strideA, P##groupStrideA, P##b, \
    P##ldb, P##strideB, P##groupStrideB, P##c, P##ldc, P##strideC, P##groupStrideC, P##accumulate, P##bias,       \
    P##strideBias, P##groupStrideBias, P##relu, P##mask, P##sumOf, P##sum, P##strideSum, P##groupStrideSum
#define GEMM_ARGS GEMM_ARGS_OF()

// A product's parameters held together, in GEMM_PARAMS's order (gemm_multi picks one of several); GEMM_FIELDS(s)
// passes them on
struct GemmArgs {
    int groups, batch, transA, transB, m, n, k;
    const float* a;
    int lda, strideA, groupStrideA;
    const float* b;
    int ldb, strideB, groupStrideB;
    float* c;
    int ldc, strideC, groupStrideC, accumulate;
    const float* bias;
    int strideBias, groupStrideBias, relu;
    const float* mask;
    int sumOf;
    float* sum;
    int strideSum, groupStrideSum;
};
#define GEMM_FIELDS(s)                                                                                          \
    s.groups, s.batch, s.transA, s.transB, s.m, s.n, s.k, s.a, s.lda, s.strideA, s.groupStrideA, s.b, s.ldb,     \
    s.strideB, s.groupStrideB, s.c, s.ldc, s.strideC, s.groupStrideC, s.accumulate, s.bias, s.strideBias,       \
    s.groupStrideBias, s.relu, s.mask, s.sumOf, s.sum, s.strideSum, s.groupStrideSum

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

// Item (g, bi)'s operand sums (sumOf), the share of the block of tile (tileRow, tileCol) once its BM x BN tile of C
// is done: the blocks of the first tile column sum op(A)'s rows of their tile, those of the first tile row op(B)'s
// columns of theirs, each as column_sums_span sums the operand's stored columns (k-major: row p holds k index p).
// scratch: 8 x 33 floats of the block's shared memory, free to reuse.
template <int BM, int BN, int THREADS>
__device__ __forceinline__ void gemm_item_sums(unsigned tileRow, unsigned tileCol, unsigned g, unsigned bi,
                                               float* scratch, GEMM_PARAMS) {
    if (sumOf == 0 || (sumOf == 1 ? tileCol : tileRow) != 0) return;
    float* sumItem = sum + g * groupStrideSum + bi * strideSum;
    if (sumOf == 1) column_sums_span<THREADS>(a + g * groupStrideA + bi * strideA, lda, k, m, tileRow * BM, BM,
                                              sumItem, scratch);
    else column_sums_span<THREADS>(b + g * groupStrideB + bi * strideB, ldb, k, n, tileCol * BN, BN, sumItem,
                                   scratch);
}
