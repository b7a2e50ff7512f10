// Self-test kernels of the emulated CUDA device (native/emu): each exercises one mechanism of the emulator
// (shared-memory tiles and __syncthreads, warp shuffles with extern __shared__, atomics, deadlock reporting, the
// tensor-core mma, cp.async groups). They are small, correct CUDA and build with nvcc too; the engine itself does not use them.

#include "mma.h"

#define SELFTEST_TILE 16

// C[M x N] = A[M x K] * B[K x N], row-major. Block (16, 16); grid (ceil(N / 16), ceil(M / 16)).
extern "C" __global__ void __launch_bounds__(256)
selftest_matmul(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C, int M, int N, int K)
{
    __shared__ float As[SELFTEST_TILE][SELFTEST_TILE];
    __shared__ float Bs[SELFTEST_TILE][SELFTEST_TILE + 1];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int row = blockIdx.y * SELFTEST_TILE + ty, col = blockIdx.x * SELFTEST_TILE + tx;
    float acc = 0.0f;
    for (int t = 0; t < K; t += SELFTEST_TILE) {
        As[ty][tx] = row < M && t + tx < K ? A[(size_t)row * K + t + tx] : 0.0f;
        Bs[ty][tx] = t + ty < K && col < N ? B[(size_t)(t + ty) * N + col] : 0.0f;
        __syncthreads();
        for (int k = 0; k < SELFTEST_TILE; ++k) acc += As[ty][k] * Bs[k][tx];
        __syncthreads();
    }
    if (row < M && col < N) C[(size_t)row * N + col] = acc;
}

// out[r] = sum of x[r][0..cols), x row-major [rows x cols]. One block per row: grid (rows); block (32 * w) for
// some w >= 1; shared bytes = w * sizeof(float).
extern "C" __global__ void selftest_row_sum(const float* __restrict__ x, float* __restrict__ out, int rows, int cols)
{
    extern __shared__ float selftest_warp_sums[];
    const int row = blockIdx.x;
    if (row >= rows) return;                      // uniform over the block
    float v = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) v += x[(size_t)row * cols + i];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    if (lane == 0) selftest_warp_sums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float s = lane < warps ? selftest_warp_sums[lane] : 0.0f;
        for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffffu, s, o);
        if (lane == 0) out[row] = s;
    }
}

// *out += sum of x[0..n), grid-stride, one atomicAdd per thread with a non-zero partial sum. Any grid and block.
extern "C" __global__ void selftest_atomic_sum(const float* __restrict__ x, float* out, int n)
{
    float v = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) v += x[i];
    if (v != 0.0f) atomicAdd(out, v);
}

// Deliberately wrong, never launch it on a GPU: half of each warp waits at a shuffle for the other half, which
// waits at the block barrier. The emulator must report a deadlock instead of hanging. Block (32); out [32].
extern "C" __global__ void selftest_deadlock(int* out)
{
    float v = threadIdx.x;
    if (threadIdx.x < 16) v = __shfl_xor_sync(0xffffffffu, v, 1);
    else __syncthreads();
    out[threadIdx.x] = (int)v;
}

// d = a * b + c by one m16n8k8 TF32 mma (kernels/mma.h), a and b rounded by cvt.rna: a (16 x 8), b (8 x 8) and
// c, d (16 x 8), row-major; each lane loads and stores the elements the PTX ISA's fragment layout gives it. Block (32).
extern "C" __global__ void selftest_mma(const float* __restrict__ a, const float* __restrict__ b,
                                        const float* __restrict__ c, float* __restrict__ d)
{
    const int g = threadIdx.x / 4, t = threadIdx.x % 4;
    const unsigned af[4] = {tf32_round(a[g * 8 + t]), tf32_round(a[(g + 8) * 8 + t]), tf32_round(a[g * 8 + t + 4]),
                            tf32_round(a[(g + 8) * 8 + t + 4])};
    const unsigned bf[2] = {tf32_round(b[t * 8 + g]), tf32_round(b[(t + 4) * 8 + g])};
    float acc[4] = {c[g * 8 + 2 * t], c[g * 8 + 2 * t + 1], c[(g + 8) * 8 + 2 * t], c[(g + 8) * 8 + 2 * t + 1]};
    mma_tf32(acc, af, bf);
    d[g * 8 + 2 * t] = acc[0];
    d[g * 8 + 2 * t + 1] = acc[1];
    d[(g + 8) * 8 + 2 * t] = acc[2];
    d[(g + 8) * 8 + 2 * t + 1] = acc[3];
}

// The cp.async groups of kernels/mma.h: out [128] gets, per thread t, the shared words it copied from src [64]
// read before any wait, after cp.async.wait_group 1 (the first of two groups) and after wait_group 0. Reads before
// a copy's wait race on a GPU; the emulator completes copies at the wait that needs them, so there they read the
// -1 written first. Block (32).
extern "C" __global__ void selftest_cp_async(const float* __restrict__ src, float* __restrict__ out)
{
    __shared__ __align__(16) float first[32], second[32];
    const int t = threadIdx.x;
    first[t] = -1.0f;
    second[t] = -1.0f;
    cp_async<4>(&first[t], src + t);
    cp_async_commit();
    cp_async<4>(&second[t], src + 32 + t);
    cp_async_commit();
    out[t] = first[t];
    cp_async_wait<1>();
    out[32 + t] = first[t];
    out[64 + t] = second[t];
    cp_async_wait<0>();
    out[96 + t] = second[t];
}
