// The routing regularisers against collapse, with their gradient: the CUDA launch of ops.RegularizerTerms (CPU
// reference: ScalarRouterRegularizers). Per replica r, over its N rows of R modules (logits z, probs p = softmax(z)
// and gradLogits are (rep, N, R); terms is (rep, 3)):
//   terms[r][0] = R sum_m f_m P_m (load balance), f_m the fraction of rows whose largest p is m (ties to the lower
//                 module, a NaN never wins), P_m the mean of p[., m];
//   terms[r][1] = mean over rows of lse(z)^2 (router z-loss), lse = max + log sum exp(z - max);
//   terms[r][2] = H(P) - mean over rows of H(p) (mutual information), natural logs;
//   when a weight is not 0, gradLogits += p (g - sum_k g_k p_k) + zLoss (2 / N) lse p with
//   g = loadBalance R f / N - miLoss (log p - log P) / N (f held constant).
// Logs of probabilities take max(q, FLT_MIN): 0 log 0 = 0 in the entropies, and a finite gradient where p
// underflowed to 0 (its softmax factor p = 0 cancels it).
// One block per replica (replicas beyond gridDim.x loop), ROUTER_WARPS warps. A row is one segment of `width` lanes
// (R rounded up to a power of 2, at most 32), so a warp takes 32 / width rows at a time; lane k of a segment holds
// modules k and k + 32 (R <= ROUTER_MAX_MODULES: CudaBackend checks). Values of a row in float (expf, logf, shuffle
// trees within the segment); sums over rows in double, each lane over its rows in increasing order, then across the
// warp's segments by a shuffle tree, then across warps in order by one thread: no atomics, the same bits in any
// thread order.

#include "launch.h"

#define ROUTER_LOG_FLOOR 1.17549435e-38f // FLT_MIN, the smallest normal float

__device__ __forceinline__ float router_segment_sum(float v, int width) {
    for (int d = width / 2; d > 0; d /= 2) v += __shfl_xor_sync(0xffffffffu, v, d);
    return v;
}

__device__ __forceinline__ float router_segment_max(float v, int width) {
    for (int d = width / 2; d > 0; d /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, d));
    return v;
}

// the sum of v over the warp's segments (lane k of each), into every lane k
template <class T>
__device__ __forceinline__ T router_across_segments(T v, int width) {
    for (int d = width; d < 32; d *= 2) v += __shfl_xor_sync(0xffffffffu, v, d);
    return v;
}

// log max(q, FLT_MIN)
__device__ __forceinline__ float router_log(float q) {
    return logf(fmaxf(q, ROUTER_LOG_FLOOR));
}

// A lane's share of its segment's row: modules k and k + 32, each present or not (a row past N has none)
struct RouterCell {
    bool has0, has1;
    float z0, z1, p0, p1;
};

// row: the row's index in (rep * N) rows
__device__ __forceinline__ RouterCell router_cell(const float* z, const float* p, long long row, bool live, int k,
                                                  int modules) {
    RouterCell c;
    c.has0 = live && k < modules;
    c.has1 = live && k + 32 < modules;
    const long long at = row * modules + k;
    c.z0 = c.has0 ? z[at] : 0.0f;
    c.p0 = c.has0 ? p[at] : 0.0f;
    c.z1 = c.has1 ? z[at + 32] : 0.0f;
    c.p1 = c.has1 ? p[at + 32] : 0.0f;
    return c;
}

// the row's lse(z), max-subtracted, in every lane of the segment
__device__ __forceinline__ float router_lse(const RouterCell& c, int width) {
    const float mx = router_segment_max(fmaxf(c.has0 ? c.z0 : -INFINITY, c.has1 ? c.z1 : -INFINITY), width);
    const float e = (c.has0 ? expf(c.z0 - mx) : 0.0f) + (c.has1 ? expf(c.z1 - mx) : 0.0f);
    return mx + logf(router_segment_sum(e, width));
}

// the row's module of largest p: ties to the lower module, a NaN never wins, 0 where no p is above -inf (the CPU's
// scan from -inf); every lane of the segment gets it
__device__ __forceinline__ int router_argmax(const RouterCell& c, int k, int width) {
    float best = -INFINITY;
    int top = ROUTER_MAX_MODULES; // none yet: loses every tie
    if (c.has0 && c.p0 > best) {
        best = c.p0;
        top = k;
    }
    if (c.has1 && c.p1 > best) {
        best = c.p1;
        top = k + 32;
    }
    for (int d = width / 2; d > 0; d /= 2) {
        const float otherBest = __shfl_xor_sync(0xffffffffu, best, d);
        const int otherTop = __shfl_xor_sync(0xffffffffu, top, d);
        if (otherBest > best || (otherBest == best && otherTop < top)) {
            best = otherBest;
            top = otherTop;
        }
    }
    return top == ROUTER_MAX_MODULES ? 0 : top;
}

// For each replica r: terms[r] = (load balance, z-loss, mutual information), and, when loadBalance, zLoss or miLoss is
// not 0, gradLogits[r] += the gradient of loadBalance [0] + zLoss [1] - miLoss [2] w.r.t. the logits.
// grid (min(rep, 65535)), block 32 * ROUTER_WARPS.
extern "C" __global__ void __launch_bounds__(32 * ROUTER_WARPS)
router_regularizers(int rep, int rows, int modules, const float* __restrict__ logits, const float* __restrict__ probs,
                    float loadBalance, float zLoss, float miLoss, float* __restrict__ terms,
                    float* __restrict__ gradLogits) {
    __shared__ double warpMean[ROUTER_WARPS][ROUTER_MAX_MODULES]; // a warp's sums of p[., m] over its rows
    __shared__ int warpTop[ROUTER_WARPS][ROUTER_MAX_MODULES];     // a warp's rows whose largest p is m
    __shared__ double warpSquares[ROUTER_WARPS], warpEntropy[ROUTER_WARPS]; // its sums of lse^2 and of H(p)
    __shared__ double mean[ROUTER_MAX_MODULES], meanEntropy[ROUTER_MAX_MODULES]; // P_m, -P_m log P_m
    __shared__ float top[ROUTER_MAX_MODULES], logMean[ROUTER_MAX_MODULES]; // f_m, log P_m
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    int width = 1;
    while (width < modules && width < 32) width *= 2;
    const int k = lane % width, perWarp = 32 / width; // lane k of segment lane / width; rows a warp takes at a time
    const bool gradient = loadBalance != 0.0f || zLoss != 0.0f || miLoss != 0.0f;
    for (int r = blockIdx.x; r < rep; r += gridDim.x) {
        const long long first = (long long)r * rows; // the replica's first row
        double sum0 = 0.0, sum1 = 0.0, squares = 0.0, entropy = 0.0;
        int count0 = 0, count1 = 0;
        for (int i0 = warp * perWarp; i0 < rows; i0 += warps * perWarp) {
            const int i = i0 + lane / width;
            const RouterCell c = router_cell(logits, probs, first + i, i < rows, k, modules);
            const float lse = router_lse(c, width);
            const int argmax = router_argmax(c, k, width);
            const float h = router_segment_sum(-(c.p0 * router_log(c.p0) + c.p1 * router_log(c.p1)), width);
            sum0 += c.p0;
            sum1 += c.p1;
            count0 += c.has0 && argmax == k;
            count1 += c.has1 && argmax == k + 32;
            if (i < rows && k == 0) {
                squares += (double)lse * lse;
                entropy += h;
            }
        }
        sum0 = router_across_segments(sum0, width);
        sum1 = router_across_segments(sum1, width);
        count0 = router_across_segments(count0, width);
        count1 = router_across_segments(count1, width);
        squares = router_across_segments(squares, width);
        entropy = router_across_segments(entropy, width);
        if (lane < width) {
            if (k < modules) {
                warpMean[warp][k] = sum0;
                warpTop[warp][k] = count0;
            }
            if (k + 32 < modules) {
                warpMean[warp][k + 32] = sum1;
                warpTop[warp][k + 32] = count1;
            }
        }
        if (lane == 0) {
            warpSquares[warp] = squares;
            warpEntropy[warp] = entropy;
        }
        __syncthreads();
        for (int m = threadIdx.x; m < modules; m += blockDim.x) {
            double p = 0.0;
            int count = 0;
            for (int w = 0; w < warps; w++) {
                p += warpMean[w][m];
                count += warpTop[w][m];
            }
            const double logP = log(fmax(p / rows, (double)ROUTER_LOG_FLOOR));
            mean[m] = p / rows;
            meanEntropy[m] = -mean[m] * logP;
            top[m] = (float)((double)count / rows);
            logMean[m] = (float)logP;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            double balance = 0.0, entropyOfMean = 0.0, allSquares = 0.0, allEntropy = 0.0;
            for (int m = 0; m < modules; m++) {
                balance += (double)top[m] * mean[m];
                entropyOfMean += meanEntropy[m];
            }
            for (int w = 0; w < warps; w++) {
                allSquares += warpSquares[w];
                allEntropy += warpEntropy[w];
            }
            terms[3 * r] = (float)(modules * balance);
            terms[3 * r + 1] = (float)(allSquares / rows);
            terms[3 * r + 2] = (float)(entropyOfMean - allEntropy / rows);
        }
        if (gradient) {
            const float balanceScale = loadBalance * modules / rows, miScale = miLoss / rows;
            const float zScale = 2.0f * zLoss / rows;
            for (int i0 = warp * perWarp; i0 < rows; i0 += warps * perWarp) {
                const int i = i0 + lane / width;
                const RouterCell c = router_cell(logits, probs, first + i, i < rows, k, modules);
                const float zRow = zScale * router_lse(c, width);
                // dLoss/dp, then back through the softmax
                const float g0 = c.has0 ? balanceScale * top[k] - miScale * (router_log(c.p0) - logMean[k]) : 0.0f;
                const float g1 = c.has1 ? balanceScale * top[k + 32] - miScale * (router_log(c.p1) - logMean[k + 32])
                                        : 0.0f;
                const float dot = router_segment_sum(g0 * c.p0 + g1 * c.p1, width);
                const long long at = (first + i) * modules + k;
                if (c.has0) gradLogits[at] += c.p0 * (g0 - dot + zRow);
                if (c.has1) gradLogits[at + 32] += c.p1 * (g1 - dot + zRow);
            }
        }
        __syncthreads(); // the next replica reuses the shared sums
    }
}
