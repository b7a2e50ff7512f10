// Grouped batched general matrix products with a fused epilogue: the CUDA launch of ops.Gemm (CPU reference: its
// reference). Item (g, b) of groups x batch items, each operand advanced by g times its group stride plus b times its
// stride (replicas x modules in one launch):
//   C = act((accumulate ? C : 0) + op(A) * op(B) + bias)
// op(A) is (m, k): A stored (m, k) row-major with row stride lda, or (k, m) when transA.
// op(B) is (k, n): B stored (k, n) with row stride ldb, or (n, k) when transB.
// C is (m, n) with row stride ldc; bias (n) or null; act is ReLU (x < 0 ? 0 : x, NaN stays) when relu.
// Two kernels, one meaning: gemm_tiled for grids that fill the GPU, gemm_small for few, small tiles with long k.
// Both load slabs of 16 along k through shared memory, reading along the stored rows whichever way an operand is
// transposed; grid z walks the items (items beyond gridDim.z loop).

#include "launch.h"
#include "gemm.h"

#define GEMM_DEPTH 16

// op(A)[i][p] and op(B)[p][j] of one item, zero outside (m, k) and (k, n)
__device__ __forceinline__ float gemm_a(const float* aItem, int transA, int lda, int m, int k, int i, int p) {
    return i < m && p < k ? (transA ? aItem[p * lda + i] : aItem[i * lda + p]) : 0.0f;
}

__device__ __forceinline__ float gemm_b(const float* bItem, int transB, int ldb, int k, int n, int p, int j) {
    return j < n && p < k ? (transB ? bItem[j * ldb + p] : bItem[p * ldb + j]) : 0.0f;
}

// A 64 x 64 tile of C per block of 256 threads, each a 4 x 4 register tile whose rows and columns are 16 apart
// (conflict-free shared reads, coalesced stores); the next slab's loads are in flight while the current slab is
// multiplied. grid (ceil(n / 64), ceil(m / 64), min(groups * batch, 65535)).
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 2) gemm_tiled(GEMM_PARAMS) {
    __shared__ float tileA[GEMM_DEPTH][GEMM_TILE + 1]; // tileA[p][i] = op(A)[row0 + i][p0 + p]
    __shared__ float tileB[GEMM_DEPTH][GEMM_TILE + 1]; // tileB[p][j] = op(B)[p0 + p][col0 + j]
    const int tid = threadIdx.x;
    const int tx = tid % 16, ty = tid / 16;
    const int row0 = blockIdx.y * GEMM_TILE, col0 = blockIdx.x * GEMM_TILE;
    for (unsigned item = blockIdx.z; item < (unsigned)(groups * batch); item += gridDim.z) {
        const unsigned g = item / batch, bi = item % batch;
        const float* aItem = a + g * groupStrideA + bi * strideA;
        const float* bItem = b + g * groupStrideB + bi * strideB;
        float acc[4][4];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
        // element idx = tid + l * 256 (l < 4) of a slab: (p, i) of op(A)'s 16 x 64 and (p, j) of op(B)'s
        float nextA[4], nextB[4];
        auto load = [&](int p0) {
#pragma unroll
            for (int l = 0; l < 4; l++) {
                int idx = tid + l * GEMM_THREADS;
                nextA[l] = transA ? gemm_a(aItem, 1, lda, m, k, row0 + idx % GEMM_TILE, p0 + idx / GEMM_TILE)
                                  : gemm_a(aItem, 0, lda, m, k, row0 + idx / GEMM_DEPTH, p0 + idx % GEMM_DEPTH);
                nextB[l] = transB ? gemm_b(bItem, 1, ldb, k, n, p0 + idx % GEMM_DEPTH, col0 + idx / GEMM_DEPTH)
                                  : gemm_b(bItem, 0, ldb, k, n, p0 + idx / GEMM_TILE, col0 + idx % GEMM_TILE);
            }
        };
        if (k > 0) load(0);
        for (int p0 = 0; p0 < k; p0 += GEMM_DEPTH) {
#pragma unroll
            for (int l = 0; l < 4; l++) {
                int idx = tid + l * GEMM_THREADS;
                if (transA) tileA[idx / GEMM_TILE][idx % GEMM_TILE] = nextA[l];
                else tileA[idx % GEMM_DEPTH][idx / GEMM_DEPTH] = nextA[l];
                if (transB) tileB[idx % GEMM_DEPTH][idx / GEMM_DEPTH] = nextB[l];
                else tileB[idx / GEMM_TILE][idx % GEMM_TILE] = nextB[l];
            }
            __syncthreads();
            if (p0 + GEMM_DEPTH < k) load(p0 + GEMM_DEPTH);
#pragma unroll
            for (int p = 0; p < GEMM_DEPTH; p++) {
                float av[4], bv[4];
#pragma unroll
                for (int i = 0; i < 4; i++) av[i] = tileA[p][ty + 16 * i];
#pragma unroll
                for (int j = 0; j < 4; j++) bv[j] = tileB[p][tx + 16 * j];
#pragma unroll
                for (int i = 0; i < 4; i++)
#pragma unroll
                    for (int j = 0; j < 4; j++) acc[i][j] += av[i] * bv[j];
            }
            __syncthreads();
        }
        float* cItem = c + g * groupStrideC + bi * strideC;
        const float* biasItem = bias ? bias + g * groupStrideBias + bi * strideBias : nullptr;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int gi = row0 + ty + 16 * i;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                int gj = col0 + tx + 16 * j;
                if (gi < m && gj < n) gemm_store(cItem + gi * ldc + gj, acc[i][j], biasItem, gj, accumulate, relu,
                                                  gemm_mask_at(mask, c, cItem + gi * ldc + gj));
            }
        }
    }
}

// A 32 x 32 tile of C per block, k split four ways inside the block: thread group q (64 threads) multiplies slabs
// q, q + 4, q + 8, ..., each thread a 4 x 4 register tile 8 apart; the four partial tiles are then added in group
// order (deterministic). For products whose few output tiles would leave the GPU idle while one block walks a
// long k (weight gradients: k = rows). grid (ceil(n / 32), ceil(m / 32), min(groups * batch, 65535)).
#define SPLIT 4
extern "C" __global__ void __launch_bounds__(GEMM_THREADS) gemm_small(GEMM_PARAMS) {
    __shared__ float tileA[SPLIT][GEMM_DEPTH][GEMM_SMALL_TILE + 1]; // tileA[q][p][i] = op(A)[row0 + i][p0(q) + p]
    __shared__ float tileB[SPLIT][GEMM_DEPTH][GEMM_SMALL_TILE + 1]; // tileB[q][p][j] = op(B)[p0(q) + p][col0 + j]
    __shared__ float partial[SPLIT][GEMM_SMALL_TILE][GEMM_SMALL_TILE + 1];    // each group's sums of the tile
    const int tid = threadIdx.x;
    const int q = tid / 64, t = tid % 64;
    const int tx = t % 8, ty = t / 8;
    const int row0 = blockIdx.y * GEMM_SMALL_TILE, col0 = blockIdx.x * GEMM_SMALL_TILE;
    const int slabs = (k + GEMM_DEPTH - 1) / GEMM_DEPTH;
    for (unsigned item = blockIdx.z; item < (unsigned)(groups * batch); item += gridDim.z) {
        const unsigned g = item / batch, bi = item % batch;
        const float* aItem = a + g * groupStrideA + bi * strideA;
        const float* bItem = b + g * groupStrideB + bi * strideB;
        float acc[4][4];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
        for (int s0 = 0; s0 < slabs; s0 += SPLIT) {
            const int p0 = (s0 + q) * GEMM_DEPTH; // beyond k: the loads give zeros
            // element e = t + l * 64 (l < 8) of the group's 16 x 32 slabs of op(A) and op(B)
#pragma unroll
            for (int l = 0; l < 8; l++) {
                int e = t + l * 64;
                if (transA) tileA[q][e / GEMM_SMALL_TILE][e % GEMM_SMALL_TILE] = gemm_a(aItem, 1, lda, m, k, row0 + e % GEMM_SMALL_TILE, p0 + e / GEMM_SMALL_TILE);
                else tileA[q][e % GEMM_DEPTH][e / GEMM_DEPTH] = gemm_a(aItem, 0, lda, m, k, row0 + e / GEMM_DEPTH, p0 + e % GEMM_DEPTH);
                if (transB) tileB[q][e % GEMM_DEPTH][e / GEMM_DEPTH] = gemm_b(bItem, 1, ldb, k, n, p0 + e % GEMM_DEPTH, col0 + e / GEMM_DEPTH);
                else tileB[q][e / GEMM_SMALL_TILE][e % GEMM_SMALL_TILE] = gemm_b(bItem, 0, ldb, k, n, p0 + e / GEMM_SMALL_TILE, col0 + e % GEMM_SMALL_TILE);
            }
            __syncthreads();
#pragma unroll
            for (int p = 0; p < GEMM_DEPTH; p++) {
                float av[4], bv[4];
#pragma unroll
                for (int i = 0; i < 4; i++) av[i] = tileA[q][p][ty + 8 * i];
#pragma unroll
                for (int j = 0; j < 4; j++) bv[j] = tileB[q][p][tx + 8 * j];
#pragma unroll
                for (int i = 0; i < 4; i++)
#pragma unroll
                    for (int j = 0; j < 4; j++) acc[i][j] += av[i] * bv[j];
            }
            __syncthreads();
        }
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) partial[q][ty + 8 * i][tx + 8 * j] = acc[i][j];
        __syncthreads();
        float* cItem = c + g * groupStrideC + bi * strideC;
        const float* biasItem = bias ? bias + g * groupStrideBias + bi * strideBias : nullptr;
        for (int o = tid; o < GEMM_SMALL_TILE * GEMM_SMALL_TILE; o += GEMM_THREADS) {
            int i = o / GEMM_SMALL_TILE, j = o % GEMM_SMALL_TILE, gi = row0 + i, gj = col0 + j;
            float sum = ((partial[0][i][j] + partial[1][i][j]) + partial[2][i][j]) + partial[3][i][j];
            if (gi < m && gj < n) gemm_store(cItem + gi * ldc + gj, sum, biasItem, gj, accumulate, relu,
                                              gemm_mask_at(mask, c, cItem + gi * ldc + gj));
        }
        __syncthreads(); // partial is rewritten by the next item
    }
}
#undef SPLIT
