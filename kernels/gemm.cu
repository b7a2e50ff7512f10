// Batched general matrix product with a fused epilogue: the CUDA twin of Backend.gemmBatched
// (CPU reference: ScalarBackend.gemmBatched). For item z of the batch, each operand advanced by z times its stride:
//   C = act((accumulate ? C : 0) + op(A) * op(B) + bias)
// op(A) is (m, k): A stored (m, k) row-major with row stride lda, or (k, m) when transA.
// op(B) is (k, n): B stored (k, n) with row stride ldb, or (n, k) when transB.
// C is (m, n) with row stride ldc; bias (n) or null; act is ReLU (x < 0 ? 0 : x, NaN stays) when relu.
//
// Tiling: a block computes a 64 x 64 tile of C with 256 threads, each a 4 x 4 register tile whose rows and
// columns are 16 apart (conflict-free shared reads, coalesced stores). k advances 16 at a time through shared
// memory; the loads read along the stored rows, whichever way each operand is transposed, and the next slab's
// loads are in flight while the current slab is multiplied.
// grid (ceil(n / 64), ceil(m / 64), min(batch, 65535)); block 256; items beyond gridDim.z loop.

#define GEMM_TILE 64
#define GEMM_DEPTH 16
#define GEMM_THREADS 256

extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_batched(int batch, int transA, int transB, int m, int n, int k,
             const float* __restrict__ a, int lda, int strideA,
             const float* __restrict__ b, int ldb, int strideB,
             float* __restrict__ c, int ldc, int strideC,
             int accumulate, const float* __restrict__ bias, int strideBias, int relu) {
    __shared__ float tileA[GEMM_DEPTH][GEMM_TILE + 1]; // tileA[p][i] = op(A)[row0 + i][p0 + p]
    __shared__ float tileB[GEMM_DEPTH][GEMM_TILE + 1]; // tileB[p][j] = op(B)[p0 + p][col0 + j]
    const int tid = threadIdx.x;
    const int tx = tid % 16, ty = tid / 16;
    const int row0 = blockIdx.y * GEMM_TILE, col0 = blockIdx.x * GEMM_TILE;
    for (int item = blockIdx.z; item < batch; item += gridDim.z) {
        const float* aItem = a + (long long)item * strideA;
        const float* bItem = b + (long long)item * strideB;
        float acc[4][4];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
        // thread tid loads elements tid + l * GEMM_THREADS (l < 4) of each 16 x 64 slab: (slabP, slabI) of op(A)'s
        // and (slabP, slabJ) of op(B)'s, along the stored rows; the next slab is loaded into registers while the
        // current one is multiplied from shared memory
        float nextA[4], nextB[4];
        auto load = [&](int p0) {
#pragma unroll
            for (int l = 0; l < 4; l++) {
                int idx = tid + l * GEMM_THREADS;
                int p = transA ? idx / GEMM_TILE : idx % GEMM_DEPTH, i = transA ? idx % GEMM_TILE : idx / GEMM_DEPTH;
                int gi = row0 + i, gp = p0 + p;
                nextA[l] = gi < m && gp < k ? (transA ? aItem[(long long)gp * lda + gi] : aItem[(long long)gi * lda + gp]) : 0.0f;
                p = transB ? idx % GEMM_DEPTH : idx / GEMM_TILE;
                int j = transB ? idx / GEMM_DEPTH : idx % GEMM_TILE;
                int gj = col0 + j;
                gp = p0 + p;
                nextB[l] = gj < n && gp < k ? (transB ? bItem[(long long)gj * ldb + gp] : bItem[(long long)gp * ldb + gj]) : 0.0f;
            }
        };
        if (k > 0) load(0);
        for (int p0 = 0; p0 < k; p0 += GEMM_DEPTH) {
#pragma unroll
            for (int l = 0; l < 4; l++) {
                int idx = tid + l * GEMM_THREADS;
                tileA[transA ? idx / GEMM_TILE : idx % GEMM_DEPTH][transA ? idx % GEMM_TILE : idx / GEMM_DEPTH] = nextA[l];
                tileB[transB ? idx % GEMM_DEPTH : idx / GEMM_TILE][transB ? idx / GEMM_DEPTH : idx % GEMM_TILE] = nextB[l];
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
        float* cItem = c + (long long)item * strideC;
        const float* biasItem = bias ? bias + (long long)item * strideBias : nullptr;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int gi = row0 + ty + 16 * i;
            if (gi >= m) continue;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                int gj = col0 + tx + 16 * j;
                if (gj >= n) continue;
                float* out = cItem + (long long)gi * ldc + gj;
                float v = (accumulate ? *out : 0.0f) + acc[i][j] + (biasItem ? biasItem[gj] : 0.0f);
                *out = relu && v < 0.0f ? 0.0f : v;
            }
        }
    }
}
