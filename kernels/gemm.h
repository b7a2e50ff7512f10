// The arguments and the epilogue every GEMM kernel shares (gemm.cu, gemm_tc.cu): the meaning is gemm.cu's header,
// and then C = 0 where mask <= 0 when mask is not null (a ReLU's backward: ops.Gemm's mask, laid out as C).
#pragma once

#define GEMM_PARAMS                                                                                             \
    int groups, int batch, int transA, int transB, int m, int n, int k,                                         \
    const float* __restrict__ a, int lda, int strideA, int groupStrideA,                                        \
    const float* __restrict__ b, int ldb, int strideB, int groupStrideB,                                        \
    float* __restrict__ c, int ldc, int strideC, int groupStrideC,                                              \
    int accumulate, const float* __restrict__ bias, int strideBias, int groupStrideBias, int relu,              \
    const float* __restrict__ mask

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
