// Adam and gradient clipping: the optimiser step over the whole parameter arena.
// One Adam step over the whole parameter arena in one launch: the CUDA launch of ops.AdamUpdate (CPU reference:
// AdamStep). The step number t = step[0] + 1 is read, not written: counter32_increment
// advances it in the next launch, so every thread sees the same t. Bias corrections in double, as PyTorch; the
// moment updates round each product and sum separately, as the reference does.
#include "launch.h"

extern "C" __global__ void adam_step(int n, float* __restrict__ param, const float* __restrict__ grad,
                                     float* __restrict__ m, float* __restrict__ v, const int* __restrict__ step,
                                     double lr, float beta1, float beta2, float eps) {
    const int t = step[0] + 1;
    const double stepSize = lr / (1.0 - pow((double)beta1, (double)t));
    const double biasCorrection2Sqrt = sqrt(1.0 - pow((double)beta2, (double)t));
    const float stepSizeF = (float)stepSize;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += gridDim.x * blockDim.x) {
        float g = grad[i];
        float mi = __fadd_rn(__fmul_rn(beta1, m[i]), __fmul_rn(1.0f - beta1, g));
        float vi = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(__fmul_rn(1.0f - beta2, g), g));
        m[i] = mi;
        v[i] = vi;
        float denom = (float)(sqrt((double)vi) / biasCorrection2Sqrt) + eps;
        param[i] -= __fmul_rn(stepSizeF, mi / denom);
    }
}

// Gradient-norm clipping of each item (a replica's gradient arena) in two launches: the CUDA twin of
// ops.ClipGradNorm (CPU reference: its reference). Deterministic: fixed blocks, fixed orders.

// partial[item][blk] = sum of g^2 over block blk's share of the item (summed in double, stored as double).
// grid (CLIP_BLOCKS, batch), block CLIP_THREADS.
extern "C" __global__ void __launch_bounds__(CLIP_THREADS)
grad_norm_partial(int n, const float* __restrict__ grad, int stride, double* __restrict__ partial) {
    __shared__ double shares[CLIP_THREADS];
    const float* g = grad + blockIdx.y * stride;
    double s = 0.0;
    for (unsigned i = blockIdx.x * CLIP_THREADS + threadIdx.x; i < (unsigned)n; i += CLIP_BLOCKS * CLIP_THREADS) {
        s += (double)g[i] * g[i];
    }
    shares[threadIdx.x] = s;
    __syncthreads();
    for (int half = CLIP_THREADS / 2; half > 0; half /= 2) {
        if ((int)threadIdx.x < half) shares[threadIdx.x] += shares[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.y * CLIP_BLOCKS + blockIdx.x] = shares[0];
}

// norm = sqrt(sum of the item's partials, in order); g *= min(1, maxNorm / (norm + 1e-6)); norms[item] = norm.
// grid (CLIP_BLOCKS, batch), block CLIP_THREADS.
extern "C" __global__ void __launch_bounds__(CLIP_THREADS)
grad_clip_scale(int n, float* __restrict__ grad, int stride, float maxNorm, const double* __restrict__ partial,
                float* __restrict__ norms) {
    double total = 0.0;
    for (int b = 0; b < CLIP_BLOCKS; b++) total += partial[blockIdx.y * CLIP_BLOCKS + b];
    const float norm = (float)sqrt(total);
    const float q = maxNorm / (norm + 1e-6f);
    const float coefficient = q < 1.0f || isnan(q) ? q : 1.0f; // min(1, q) keeping a NaN, as the reference
    float* g = grad + blockIdx.y * stride;
    for (unsigned i = blockIdx.x * CLIP_THREADS + threadIdx.x; i < (unsigned)n; i += CLIP_BLOCKS * CLIP_THREADS) {
        g[i] *= coefficient;
    }
    if (blockIdx.x == 0 && threadIdx.x == 0) norms[blockIdx.y] = norm;
}
