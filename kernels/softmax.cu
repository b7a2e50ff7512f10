// Row-wise softmax and its backward over contiguous (m, n) blocks: the CUDA launches of ops.SoftmaxRows and
// SoftmaxRowsBackward (CPU reference: their references). One warp per row,
// lanes stride the columns, shuffle trees reduce; any block size that is a multiple of 32.

__device__ __forceinline__ float warp_max(float v) {
    for (int d = 16; d > 0; d /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, d));
    return v;
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int d = 16; d > 0; d /= 2) v += __shfl_xor_sync(0xffffffffu, v, d);
    return v;
}

// y = softmax(x) per row, max-subtracted
extern "C" __global__ void softmax_rows(int m, int n, const float* __restrict__ x, float* __restrict__ y) {
    const int lane = threadIdx.x % 32;
    const int warps = gridDim.x * (blockDim.x / 32);
    for (int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; row < m; row += warps) {
        const float* xr = x + (long long)row * n;
        float* yr = y + (long long)row * n;
        float mx = -INFINITY;
        for (int j = lane; j < n; j += 32) mx = fmaxf(mx, xr[j]);
        mx = warp_max(mx);
        float sum = 0.0f;
        for (int j = lane; j < n; j += 32) {
            float e = expf(xr[j] - mx);
            yr[j] = e;
            sum += e;
        }
        float inv = 1.0f / warp_sum(sum);
        for (int j = lane; j < n; j += 32) yr[j] *= inv;
    }
}

// dx = y * (dy - sum_j y_j dy_j) per row
extern "C" __global__ void softmax_rows_backward(int m, int n, const float* __restrict__ y, const float* __restrict__ dy,
                                                 float* __restrict__ dx) {
    const int lane = threadIdx.x % 32;
    const int warps = gridDim.x * (blockDim.x / 32);
    for (int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; row < m; row += warps) {
        const long long base = (long long)row * n;
        float dot = 0.0f;
        for (int j = lane; j < n; j += 32) dot += y[base + j] * dy[base + j];
        dot = warp_sum(dot);
        for (int j = lane; j < n; j += 32) dx[base + j] = y[base + j] * (dy[base + j] - dot);
    }
}
