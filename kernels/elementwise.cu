// Element-wise, block-copy and column-sum kernels of a step: the CUDA launches of ops.Fill, ReluBackward,
// ColumnSumAccumulate, ScaleBlocks, BlockDotAccumulate, OneHot and CopyBlocks (CPU reference: the ops' references).
// Pointers arrive already offset; launches are 1-D with 256 threads unless said otherwise, grids stride.
// Element counts fit in 31 bits (Java buffers are int-indexed), so index arithmetic is 32-bit: a 64-bit
// division costs dozens of instructions on the GPU.

#include "launch.h"
#include "column_sums.h"

#define GRID_STRIDE(index, total) \
    for (unsigned index = blockIdx.x * blockDim.x + threadIdx.x; index < (unsigned)(total); \
         index += gridDim.x * blockDim.x)

// x[i] = value for i < n
extern "C" __global__ void fill_f32(int n, float value, float* __restrict__ x) {
    GRID_STRIDE(i, n) x[i] = value;
}

// d[i][j] = y[i][j] <= 0 ? 0 : d[i][j] over m rows of n (NaN passes its gradient, as PyTorch)
extern "C" __global__ void relu_backward(int m, int n, const float* __restrict__ y, int ldy, float* __restrict__ d, int ldd) {
    GRID_STRIDE(idx, m * n) {
        unsigned i = idx / n, j = idx % n;
        if (y[i * ldy + j] <= 0.0f) d[i * ldd + j] = 0.0f;
    }
}

// For groups of batch items, item (g, b) at g * groupStride + b * stride of each operand:
// sum[j] += sum_i x[i][j] over m rows of n columns, in column_sums.h's arithmetic. grid (ceil(n / 32),
// groups * batch), block 256: 32 columns a block.
extern "C" __global__ void __launch_bounds__(BLOCK_THREADS)
column_sum_accumulate(int groups, int batch, int m, int n, const float* __restrict__ x, int ldx, int strideX,
                      int groupStrideX, float* __restrict__ sum, int strideSum, int groupStrideSum) {
    __shared__ float scratch[COLUMN_SUM_GROUPS * (COLUMN_SUM_WIDTH + 1)];
    for (unsigned item = blockIdx.y; item < (unsigned)(groups * batch); item += gridDim.y) {
        unsigned g = item / batch, b = item % batch;
        column_sums_span<BLOCK_THREADS>(x + g * groupStrideX + b * strideX, ldx, m, n, blockIdx.x * COLUMN_SUM_WIDTH,
                                        COLUMN_SUM_WIDTH, sum + g * groupStrideSum + b * strideSum, scratch);
    }
}

// A copy's parameters, their names prefixed with P (copy_blocks_pair takes two copies)
#define COPY_PARAMS_OF(P)                                                                                       \
    int P##groups, int P##batch, int P##m, int P##n, const float* __restrict__ P##src, int P##lds,              \
    int P##strideSrc, int P##groupStrideSrc, float* __restrict__ P##dst, int P##ldd, int P##strideDst,         \
    int P##groupStrideDst, int P##add
#define COPY_ARGS_OF(P)                                                                                         \
    P##groups, P##batch, P##m, P##n, P##src, P##lds, P##strideSrc, P##groupStrideSrc, P##dst, P##ldd,           \
    P##strideDst, P##groupStrideDst, P##add

// Element idx of a copy: for groups of batch items (item (g, b) at g * groupStride + b * stride of each operand),
// dst[i][j] = src[i][j] (add == 0) or dst[i][j] += src[i][j] (add == 1) over an (m, n) block; idx runs over every
// group, item, row and column, the column fastest
__device__ __forceinline__ void copy_element(unsigned idx, COPY_PARAMS_OF()) {
    unsigned j = idx % n, rest = idx / n, i = rest % m, item = rest / m, g = item / batch, b = item % batch;
    float v = src[g * groupStrideSrc + b * strideSrc + i * lds + j];
    float* out = dst + g * groupStrideDst + b * strideDst + i * ldd + j;
    *out = add ? *out + v : v;
}

// One copy (ops.CopyBlocks), one thread per element
extern "C" __global__ void copy_blocks(COPY_PARAMS_OF()) {
    GRID_STRIDE(idx, groups * batch * m * n) copy_element(idx, COPY_ARGS_OF());
}

// Two independent copies in one launch (ops.CopyPair): the first's elements, then the second's
extern "C" __global__ void copy_blocks_pair(COPY_PARAMS_OF(p0_), COPY_PARAMS_OF(p1_)) {
    const unsigned first = p0_groups * p0_batch * p0_m * p0_n;
    GRID_STRIDE(idx, first + p1_groups * p1_batch * p1_m * p1_n) {
        if (idx < first) copy_element(idx, COPY_ARGS_OF(p0_));
        else copy_element(idx - first, COPY_ARGS_OF(p1_));
    }
}

// dst[i][g*w + j] = scale[i][g] * src[i][g*w + j]; contiguous (m, blocks*w) and (m, blocks)
extern "C" __global__ void scale_blocks(int m, int blocks, int w, const float* __restrict__ src,
                                        const float* __restrict__ scale, float* __restrict__ dst) {
    GRID_STRIDE(idx, m * blocks * w) dst[idx] = scale[idx / w] * src[idx];
}

// out[i][g] += sum_j x[i][g*w + j] * y[i][g*w + j]: one warp per (i, g), lanes stride j, a shuffle tree sums; when
// scaled is not null, also scaled[i][g*w + j] = scale[i][g] * y[i][g*w + j] (scale_blocks' product)
extern "C" __global__ void block_dot_accumulate(int m, int blocks, int w, const float* __restrict__ x,
                                                const float* __restrict__ y, float* __restrict__ out,
                                                const float* __restrict__ scale, float* __restrict__ scaled) {
    const int lane = threadIdx.x % 32;
    const unsigned warps = gridDim.x * (blockDim.x / 32);
    for (unsigned o = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; o < (unsigned)(m * blocks); o += warps) {
        const float* xs = x + o * w;
        const float* ys = y + o * w;
        float s = 0.0f;
        for (int j = lane; j < w; j += 32) {
            s += xs[j] * ys[j];
            if (scaled) scaled[o * w + j] = scale[o] * ys[j];
        }
        for (int d = 16; d > 0; d /= 2) s += __shfl_xor_sync(0xffffffffu, s, d);
        if (lane == 0) out[o] += s;
    }
}

// out[i][j] = (j == index[i]) for n rows of classes (an index outside 0..classes-1 gives a zero row)
extern "C" __global__ void one_hot(int n, int classes, const int* __restrict__ index, float* __restrict__ out) {
    GRID_STRIDE(idx, n * classes) out[idx] = ((int)(idx % classes) == index[idx / classes]) ? 1.0f : 0.0f;
}
