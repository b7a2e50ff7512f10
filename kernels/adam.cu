// Adam and gradient clipping: the optimiser step over the whole parameter arena.
// One Adam step over the whole parameter arena in one launch: the CUDA launch of ops.AdamUpdate (CPU reference:
// its reference). Every thread reads the step number t = step[0] + 1; the block that finishes last (a ticket taken
// with an atomic on ticket, a word that is 0 between launches and put back to 0 by that block) writes t back, so
// no block can see the new count, and advances counter (null: none), a 64-bit count held as (low, high) words. Each gradient is cleared once read: the next step accumulates from zero. Bias
// corrections in double, as PyTorch; the moment updates round each product and sum separately, as the reference
// does. Thread i takes values 4i..4i+3 as float4s (the buffers start at an allocation, so 16-byte aligned), the
// first n % 4 threads one tail value each; every value gets the same operations, so the bits do not depend on it.
#include "launch.h"

// the update of one value, its gradient g already read
__device__ __forceinline__ void adam_value(float g, float& p, float& mi, float& vi, float beta1, float beta2, float eps,
                                           float stepSize, double biasCorrection2Sqrt) {
    mi = __fadd_rn(__fmul_rn(beta1, mi), __fmul_rn(1.0f - beta1, g));
    vi = __fadd_rn(__fmul_rn(beta2, vi), __fmul_rn(__fmul_rn(1.0f - beta2, g), g));
    float denom = (float)(sqrt((double)vi) / biasCorrection2Sqrt) + eps;
    p -= __fmul_rn(stepSize, mi / denom);
}

// grid: enough blocks of BLOCK_THREADS for ceil(n / 4) threads, at least one (at most MAX_BLOCKS: grid-strided)
extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
adam_step(int n, float* __restrict__ param, float* __restrict__ grad, float* __restrict__ m, float* __restrict__ v,
          int* __restrict__ step, int* __restrict__ counter, unsigned* __restrict__ ticket, double lr, float beta1,
          float beta2, float eps) {
    const int t = step[0] + 1;
    const double stepSize = lr / (1.0 - pow((double)beta1, (double)t));
    const double biasCorrection2Sqrt = sqrt(1.0 - pow((double)beta2, (double)t));
    const float stepSizeF = (float)stepSize;
    const unsigned quads = (unsigned)n / 4, threads = gridDim.x * blockDim.x;
    const unsigned first = blockIdx.x * blockDim.x + threadIdx.x;
    for (unsigned q = first; q < quads; q += threads) {
        float4 g = reinterpret_cast<float4*>(grad)[q];
        float4 p = reinterpret_cast<float4*>(param)[q];
        float4 mi = reinterpret_cast<float4*>(m)[q];
        float4 vi = reinterpret_cast<float4*>(v)[q];
        adam_value(g.x, p.x, mi.x, vi.x, beta1, beta2, eps, stepSizeF, biasCorrection2Sqrt);
        adam_value(g.y, p.y, mi.y, vi.y, beta1, beta2, eps, stepSizeF, biasCorrection2Sqrt);
        adam_value(g.z, p.z, mi.z, vi.z, beta1, beta2, eps, stepSizeF, biasCorrection2Sqrt);
        adam_value(g.w, p.w, mi.w, vi.w, beta1, beta2, eps, stepSizeF, biasCorrection2Sqrt);
        reinterpret_cast<float4*>(param)[q] = p;
        reinterpret_cast<float4*>(m)[q] = mi;
        reinterpret_cast<float4*>(v)[q] = vi;
        reinterpret_cast<float4*>(grad)[q] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }
    const unsigned i = quads * 4 + first;
    if (first < (unsigned)n % 4) {
        adam_value(grad[i], param[i], m[i], v[i], beta1, beta2, eps, stepSizeF, biasCorrection2Sqrt);
        grad[i] = 0.0f;
    }
    __syncthreads(); // every thread of the block has read t
    if (threadIdx.x == 0) {
        __threadfence();
        if (atomicAdd(ticket, 1u) == gridDim.x - 1) { // the last block: every block has read t
            step[0] = t;
            if (counter) {
                unsigned long long c = ((unsigned long long)(unsigned)counter[1] << 32) | (unsigned)counter[0];
                c += 1;
                counter[0] = (int)(unsigned)c;
                counter[1] = (int)(unsigned)(c >> 32);
            }
            *ticket = 0;
        }
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
