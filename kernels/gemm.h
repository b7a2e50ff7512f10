// The arguments and the epilogue every GEMM kernel shares (gemm.cu, gemm_tc.cu): the meaning is gemm.cu's header.
#pragma once

#define GEMM_PARAMS                                                                                             \
    int groups, int batch, int transA, int transB, int m, int n, int k,                                         \
    const float* __restrict__ a, int lda, int strideA, int groupStrideA,                                        \
    const float* __restrict__ b, int ldb, int strideB, int groupStrideB,                                        \
    float* __restrict__ c, int ldc, int strideC, int groupStrideC,                                              \
    int accumulate, const float* __restrict__ bias, int strideBias, int groupStrideBias, int relu

// the epilogue of one element: C = act((accumulate ? C : 0) + sum + bias[j])
__device__ __forceinline__ void gemm_store(float* out, float sum, const float* biasItem, int j, int accumulate, int relu) {
    float v = (accumulate ? *out : 0.0f) + sum + (biasItem ? biasItem[j] : 0.0f);
    *out = relu && v < 0.0f ? 0.0f : v;
}
