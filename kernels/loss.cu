// Losses with their gradients and on-device sums, and accuracy counts: the CUDA twins of Backend.l1Loss,
// bceWithLogitsLoss and countCorrect (CPU reference: ScalarBackend). One block of LOSS_THREADS per item of n
// values; each thread sums its share in double and a shared-memory tree adds the shares.

#include "launch.h"

// the block's sum of each thread's v, returned to thread 0 (its value elsewhere is unspecified)
__device__ double block_sum(double v) {
    __shared__ double shares[LOSS_THREADS];
    shares[threadIdx.x] = v;
    __syncthreads();
    for (int half = LOSS_THREADS / 2; half > 0; half /= 2) {
        if ((int)threadIdx.x < half) shares[threadIdx.x] += shares[threadIdx.x + half];
        __syncthreads();
    }
    double total = shares[0];
    __syncthreads(); // shares is reused by the next call
    return total;
}

__device__ void store_loss(float* loss, int item, float value, int accumulate) {
    if (threadIdx.x == 0) loss[item] = accumulate ? loss[item] + value : value;
}

// per item: grad = sign(p - t) / n; loss[item] (+)= scale * mean |p - t|; grid (batch), block LOSS_THREADS
extern "C" __global__ void __launch_bounds__(LOSS_THREADS)
l1_loss(int n, const float* __restrict__ pred, const float* __restrict__ target, float* __restrict__ grad,
        float* __restrict__ loss, float scale, int accumulate) {
    const long long base = (long long)blockIdx.x * n;
    const float inv = 1.0f / n;
    double sum = 0.0;
    for (int i = threadIdx.x; i < n; i += LOSS_THREADS) {
        float d = pred[base + i] - target[base + i];
        sum += fabs((double)d);
        float sign = d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : d); // sign(0) = 0, NaN stays NaN
        grad[base + i] = sign * inv;
    }
    double total = block_sum(sum);
    store_loss(loss, blockIdx.x, scale * (float)(total / n), accumulate);
}

// per item: mean(max(x, 0) - x t + log(1 + exp(-|x|))) and gradient (sigmoid(x) - t) / n; otherwise as l1_loss
extern "C" __global__ void __launch_bounds__(LOSS_THREADS)
bce_with_logits_loss(int n, const float* __restrict__ logit, const float* __restrict__ target, float* __restrict__ grad,
                     float* __restrict__ loss, float scale, int accumulate) {
    const long long base = (long long)blockIdx.x * n;
    const float inv = 1.0f / n;
    double sum = 0.0;
    for (int i = threadIdx.x; i < n; i += LOSS_THREADS) {
        float x = logit[base + i], t = target[base + i];
        float linear = fmaxf(x, 0.0f) - __fmul_rn(x, t); // two roundings, as the reference
        sum += (double)linear + log1p(exp(-(double)fabsf(x)));
        float sigmoid = (float)(1.0 / (1.0 + exp(-(double)x)));
        grad[base + i] = (sigmoid - t) * inv;
    }
    double total = block_sum(sum);
    store_loss(loss, blockIdx.x, scale * (float)(total / n), accumulate);
}

// per item: correct[item] += the number of logits whose sign (x >= 0) matches the 0/1 target (t >= 0.5)
extern "C" __global__ void __launch_bounds__(LOSS_THREADS)
count_correct(int n, const float* __restrict__ logit, const float* __restrict__ target, int* __restrict__ correct) {
    const long long base = (long long)blockIdx.x * n;
    int count = 0;
    for (int i = threadIdx.x; i < n; i += LOSS_THREADS) {
        count += (logit[base + i] >= 0.0f) == (target[base + i] >= 0.5f);
    }
    double total = block_sum((double)count);
    if (threadIdx.x == 0) correct[blockIdx.x] += (int)total;
}
