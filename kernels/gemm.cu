// Grouped batched general matrix products with a fused epilogue: the CUDA launch of ops.Gemm (CPU reference: its
// reference). Item (g, b) of groups x batch items, each operand advanced by g times its group stride plus b times its
// stride (replicas x modules in one launch):
//   C = act((accumulate ? C : 0) + op(A) * op(B) + bias)
// op(A) is (m, k): A stored (m, k) row-major with row stride lda, or (k, m) when transA.
// op(B) is (k, n): B stored (k, n) with row stride ldb, or (n, k) when transB.
// C is (m, n) with row stride ldc; bias (n) or null; act is ReLU (x < 0 ? 0 : x, NaN stays) when relu. The mask
// and the operand sums beside the product are gemm.h's.
// Three kernels, one meaning (ops.Gemm.kernel picks one by an item's shape): gemm_tiled (128 x 128 tiles) for items
// of many tiles, gemm_medium (64 x 64) for items of a few, gemm_small for few, small tiles with long k. gemm_tiled
// and gemm_medium sum each output over k in k order from 0 (an FMA chain on the GPU), then gemm_store. All load
// slabs along k through shared memory, reading along the stored rows whichever way an operand is transposed; grid z
// walks the items (items beyond gridDim.z loop).

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

// The tiled kernels: a BM x BN tile of C per block of 256 threads (16 x 16), slabs of BK along k. Thread (tx, ty)
// = (tid % 16, tid / 16) holds a (BM / 16) x (BN / 16) register tile made of 4 x 4 quadrants 64 apart: rows
// 64 qi + 4 ty + 0..3, columns 64 qj + 4 tx + 0..3 of the block's tile. Both operands sit k-major in shared memory
// (tileA[p][i] = op(A)[row0 + i][p0 + p], tileB[p][j] = op(B)[p0 + p][col0 + j]), so a thread reads each quadrant's
// four rows or columns with one 16-byte load: per k, BM / 64 + BN / 64 such loads feed (BM / 16) (BN / 16) FMA. Each
// thread loads one float4 of each operand's slab per slab, along the operand's stored rows: a 16-byte load where the
// item and its ld are 16-byte aligned (unchecked when the whole slab lies inside the matrix), else four checked
// scalar loads with zeros outside. The next slab's loads are in flight while the current one is multiplied, and
// land in the other of two shared buffers (one barrier per slab).
#define GEMM_PAD 4 // shared rows of BM + 4 floats: 16-byte aligned, and a warp's transposing stores spread over the
                   // banks (all 32 with 128-wide tiles, slabs of 8)

// Thread tid's float4 of rows [r0, r0 + ROWS) x columns [c0, c0 + COLS) of a stored (rows, cols) matrix src (row
// stride ld): row r0 + tid / (COLS / 4), columns c0 + tid % (COLS / 4) * 4 + 0..3; zero outside the matrix.
template <int ROWS, int COLS>
__device__ __forceinline__ float4 gemm_slab_load(const float* src, int ld, int rows, int cols, int r0, int c0,
                                                 bool aligned) {
    static_assert(ROWS * COLS == 4 * GEMM_THREADS, "one float4 per thread");
    const int r = r0 + threadIdx.x / (COLS / 4), c = c0 + threadIdx.x % (COLS / 4) * 4;
    if (aligned && r0 + ROWS <= rows && c0 + COLS <= cols) return *reinterpret_cast<const float4*>(src + r * ld + c);
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    if (r < rows) {
        const float* row = src + r * ld;
        if (aligned && c + 3 < cols) return *reinterpret_cast<const float4*>(row + c);
        if (c < cols) v.x = row[c];
        if (c + 1 < cols) v.y = row[c + 1];
        if (c + 2 < cols) v.z = row[c + 2];
        if (c + 3 < cols) v.w = row[c + 3];
    }
    return v;
}

// Stores thread tid's float4 of a slab (as gemm_slab_load picks it) into a k-major tile with row stride LD: a copy
// when the stored rows are k (K_ROWS), else the four k of one stored row go down one column of the tile.
template <int ROWS, int COLS, bool K_ROWS, int LD>
__device__ __forceinline__ void gemm_slab_store(float* tile, float4 v) {
    const int r = threadIdx.x / (COLS / 4), c = threadIdx.x % (COLS / 4) * 4;
    if (K_ROWS) {
        *reinterpret_cast<float4*>(tile + r * LD + c) = v;
    } else {
        tile[c * LD + r] = v.x;
        tile[(c + 1) * LD + r] = v.y;
        tile[(c + 2) * LD + r] = v.z;
        tile[(c + 3) * LD + r] = v.w;
    }
}

// Item (g, bi)'s BM x BN tile (tileRow, tileCol) of C (rows row0.., columns col0..), the epilogue included (the
// operand sums are the caller's); TA, TB: the transposes (transA and transB are ignored).
template <int BM, int BN, int BK, bool TA, bool TB>
__device__ __forceinline__ void gemm_tiled_item(float (*tileA)[BK][BM + GEMM_PAD], float (*tileB)[BK][BN + GEMM_PAD],
                                                unsigned tileRow, unsigned tileCol, unsigned g, unsigned bi,
                                                GEMM_PARAMS) {
    const float* aItem = a + g * groupStrideA + bi * strideA;
    const float* bItem = b + g * groupStrideB + bi * strideB;
    constexpr int TM = BM / 16, TN = BN / 16; // the thread's rows and columns, in quadrants of 4
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    const int row0 = tileRow * BM, col0 = tileCol * BN;
    const bool alignedA = reinterpret_cast<unsigned long long>(aItem) % 16 == 0 && lda % 4 == 0;
    const bool alignedB = reinterpret_cast<unsigned long long>(bItem) % 16 == 0 && ldb % 4 == 0;
    float4 nextA, nextB; // the thread's part of the next slab
    auto load = [&](int p0) {
        nextA = TA ? gemm_slab_load<BK, BM>(aItem, lda, k, m, p0, row0, alignedA)
                   : gemm_slab_load<BM, BK>(aItem, lda, m, k, row0, p0, alignedA);
        nextB = TB ? gemm_slab_load<BN, BK>(bItem, ldb, n, k, col0, p0, alignedB)
                   : gemm_slab_load<BK, BN>(bItem, ldb, k, n, p0, col0, alignedB);
    };
    auto store = [&](int s) {
        if (TA) gemm_slab_store<BK, BM, true, BM + GEMM_PAD>(tileA[s][0], nextA);
        else gemm_slab_store<BM, BK, false, BM + GEMM_PAD>(tileA[s][0], nextA);
        if (TB) gemm_slab_store<BN, BK, false, BN + GEMM_PAD>(tileB[s][0], nextB);
        else gemm_slab_store<BK, BN, true, BN + GEMM_PAD>(tileB[s][0], nextB);
    };
    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) acc[i][j] = 0.0f;
    if (k > 0) {
        load(0);
        store(0);
    }
    __syncthreads();
    for (int p0 = 0, s = 0; p0 < k; p0 += BK, s ^= 1) {
        const bool more = p0 + BK < k;
        if (more) load(p0 + BK);
#pragma unroll
        for (int p = 0; p < BK; p++) {
            float av[TM], bv[TN];
#pragma unroll
            for (int q = 0; q < TM / 4; q++) {
                const float4 x = *reinterpret_cast<const float4*>(&tileA[s][p][64 * q + 4 * ty]);
                av[4 * q] = x.x, av[4 * q + 1] = x.y, av[4 * q + 2] = x.z, av[4 * q + 3] = x.w;
            }
#pragma unroll
            for (int q = 0; q < TN / 4; q++) {
                const float4 x = *reinterpret_cast<const float4*>(&tileB[s][p][64 * q + 4 * tx]);
                bv[4 * q] = x.x, bv[4 * q + 1] = x.y, bv[4 * q + 2] = x.z, bv[4 * q + 3] = x.w;
            }
#pragma unroll
            for (int i = 0; i < TM; i++)
#pragma unroll
                for (int j = 0; j < TN; j++) acc[i][j] += av[i] * bv[j];
        }
        if (more) store(s ^ 1); // its last readers finished before the previous barrier
        __syncthreads();
    }
    float* cItem = c + g * groupStrideC + bi * strideC;
    const float* biasItem = bias ? bias + g * groupStrideBias + bi * strideBias : nullptr;
    const float* maskItem = gemm_mask_at(mask, c, cItem);
#pragma unroll
    for (int i = 0; i < TM; i++) {
        const int gi = row0 + 64 * (i / 4) + 4 * ty + i % 4;
#pragma unroll
        for (int j = 0; j < TN; j++) {
            const int gj = col0 + 64 * (j / 4) + 4 * tx + j % 4;
            if (gi < m && gj < n) gemm_store(cItem + gi * ldc + gj, acc[i][j], biasItem, gj, accumulate, relu,
                                              maskItem ? maskItem + gi * ldc + gj : nullptr);
        }
    }
}

// Item (g, bi)'s tile (tileRow, tileCol) through gemm_tiled_item, the transposes chosen at run time.
template <int T, int BK>
__device__ __forceinline__ void gemm_tiled_any(float (*tileA)[BK][T + GEMM_PAD], float (*tileB)[BK][T + GEMM_PAD],
                                               unsigned tileRow, unsigned tileCol, unsigned g, unsigned bi,
                                               GEMM_PARAMS) {
    if (transA) {
        if (transB) gemm_tiled_item<T, T, BK, true, true>(tileA, tileB, tileRow, tileCol, g, bi, GEMM_ARGS);
        else gemm_tiled_item<T, T, BK, true, false>(tileA, tileB, tileRow, tileCol, g, bi, GEMM_ARGS);
    } else {
        if (transB) gemm_tiled_item<T, T, BK, false, true>(tileA, tileB, tileRow, tileCol, g, bi, GEMM_ARGS);
        else gemm_tiled_item<T, T, BK, false, false>(tileA, tileB, tileRow, tileCol, g, bi, GEMM_ARGS);
    }
}

// Every item of the launch (grid z walks them, items beyond gridDim.z loop) through gemm_tiled_any, the block's
// tile (blockIdx.y, blockIdx.x), then their operand sums (in a loop of their own: inside the first, ptxas spilled
// gemm_medium on sm_80).
template <int T, int BK>
__device__ __forceinline__ void gemm_tiled_items(float (*tileA)[BK][T + GEMM_PAD], float (*tileB)[BK][T + GEMM_PAD],
                                                 GEMM_PARAMS) {
    for (unsigned item = blockIdx.z; item < (unsigned)(groups * batch); item += gridDim.z) {
        gemm_tiled_any<T, BK>(tileA, tileB, blockIdx.y, blockIdx.x, item / batch, item % batch, GEMM_ARGS);
    }
    for (unsigned item = blockIdx.z; sumOf && item < (unsigned)(groups * batch); item += gridDim.z) {
        gemm_item_sums<T, T, GEMM_THREADS>(blockIdx.y, blockIdx.x, item / batch, item % batch, &tileA[0][0][0],
                                           GEMM_ARGS);
    }
}

// 128 x 128 tiles (8 x 8 per thread), slabs of 8, for items of many tiles. One block per SM: it takes 193 to 255
// registers (nvcc 13, sm_80 to sm_100), no spills; bound to 128 (two blocks per SM) ptxas spilled, even with one
// kernel per transpose pair. grid (ceil(n / 128), ceil(m / 128), min(groups * batch, 65535)).
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 1) gemm_tiled(GEMM_PARAMS) {
    __shared__ __align__(16) float tileA[2][8][GEMM_TILE + GEMM_PAD];
    __shared__ __align__(16) float tileB[2][8][GEMM_TILE + GEMM_PAD];
    gemm_tiled_items<GEMM_TILE, 8>(tileA, tileB, GEMM_ARGS);
}

// 64 x 64 tiles (4 x 4 per thread), slabs of 16, for items of few 128 x 128 tiles. grid (ceil(n / 64),
// ceil(m / 64), min(groups * batch, 65535)).
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 2) gemm_medium(GEMM_PARAMS) {
    __shared__ __align__(16) float tileA[2][16][GEMM_MEDIUM_TILE + GEMM_PAD];
    __shared__ __align__(16) float tileB[2][16][GEMM_MEDIUM_TILE + GEMM_PAD];
    gemm_tiled_items<GEMM_MEDIUM_TILE, 16>(tileA, tileB, GEMM_ARGS);
}

// A 32 x 32 tile of C per block, k split four ways inside the block: thread group q (64 threads) multiplies slabs
// q, q + 4, q + 8, ..., each thread a 4 x 4 register tile 8 apart; the four partial tiles are then added in group
// order (deterministic). For products whose few output tiles would leave the GPU idle while one block walks a
// long k (weight gradients: k = rows). grid (ceil(n / 32), ceil(m / 32), min(groups * batch, 65535)). Bound to two
// blocks per SM (at most 128 registers): unbound, ptxas took 80 registers and spilled once the operand sums came in.
#define SPLIT 4
#define GEMM_SMALL_SLAB (SPLIT * GEMM_DEPTH * (GEMM_SMALL_TILE + 1)) // floats of tileA, of tileB
#define GEMM_SMALL_SHARED (2 * GEMM_SMALL_SLAB + SPLIT * GEMM_SMALL_TILE * (GEMM_SMALL_TILE + 1)) // and partial

// Item (g, bi)'s 32 x 32 tile (tileRow, tileCol) of C, the epilogue and the operand sums included, in shared memory
// smem of GEMM_SMALL_SHARED floats: tileA[q][p][i] = op(A)[row0 + i][p0(q) + p], tileB[q][p][j] =
// op(B)[p0(q) + p][col0 + j], then each group's sums of the tile, partial[q][i][j].
__device__ __forceinline__ void gemm_small_item(float* smem, unsigned tileRow, unsigned tileCol, unsigned g,
                                                unsigned bi, GEMM_PARAMS) {
    auto tileA = reinterpret_cast<float (*)[GEMM_DEPTH][GEMM_SMALL_TILE + 1]>(smem);
    auto tileB = reinterpret_cast<float (*)[GEMM_DEPTH][GEMM_SMALL_TILE + 1]>(smem + GEMM_SMALL_SLAB);
    auto partial = reinterpret_cast<float (*)[GEMM_SMALL_TILE][GEMM_SMALL_TILE + 1]>(smem + 2 * GEMM_SMALL_SLAB);
    const int tid = threadIdx.x;
    const int q = tid / 64, t = tid % 64;
    const int tx = t % 8, ty = t / 8;
    const int row0 = tileRow * GEMM_SMALL_TILE, col0 = tileCol * GEMM_SMALL_TILE;
    const int slabs = (k + GEMM_DEPTH - 1) / GEMM_DEPTH;
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
        float total = ((partial[0][i][j] + partial[1][i][j]) + partial[2][i][j]) + partial[3][i][j];
        if (gi < m && gj < n) gemm_store(cItem + gi * ldc + gj, total, biasItem, gj, accumulate, relu,
                                          gemm_mask_at(mask, c, cItem + gi * ldc + gj));
    }
    gemm_item_sums<GEMM_SMALL_TILE, GEMM_SMALL_TILE, GEMM_THREADS>(tileRow, tileCol, g, bi, smem, GEMM_ARGS);
    __syncthreads(); // smem is rewritten by the next item
}

// A 32 x 32 tile of C per block, k split four ways inside the block: thread group q (64 threads) multiplies slabs
// q, q + 4, q + 8, ..., each thread a 4 x 4 register tile 8 apart; the four partial tiles are then added in group
// order (deterministic). For products whose few output tiles would leave the GPU idle while one block walks a
// long k (weight gradients: k = rows). grid (ceil(n / 32), ceil(m / 32), min(groups * batch, 65535)). Bound to two
// blocks per SM (at most 128 registers): unbound, ptxas took 80 registers and spilled once the operand sums came in.
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 2) gemm_small(GEMM_PARAMS) {
    __shared__ __align__(16) float smem[GEMM_SMALL_SHARED];
    for (unsigned item = blockIdx.z; item < (unsigned)(groups * batch); item += gridDim.z) {
        gemm_small_item(smem, blockIdx.y, blockIdx.x, item / batch, item % batch, GEMM_ARGS);
    }
}

// Up to four independent products in one launch (ops.Gemms), each through gemm_small's tile or gemm_medium's as
// ops.Gemm.kernel picks it by the product's shape alone, so each has the bits it has in its own launch. Product J:
// blocksJ blocks, one per tile and item (tiles across a row first, then down, then the items), mediumJ 1 for
// gemm_medium's tile, 0 for gemm_small's; block x walks product 0's blocks, then product 1's, ... A slot left unused
// has 0 blocks. grid (blocks0 + blocks1 + blocks2 + blocks3).
#define GEMM_MULTI_PARAMS(J) int blocks##J, int medium##J, GEMM_PARAMS_OF(p##J##_)
#define GEMM_MEDIUM_SLAB (2 * 16 * (GEMM_MEDIUM_TILE + GEMM_PAD)) // floats of a gemm_medium operand's two buffers
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 2)
gemm_multi(GEMM_MULTI_PARAMS(0), GEMM_MULTI_PARAMS(1), GEMM_MULTI_PARAMS(2), GEMM_MULTI_PARAMS(3)) {
    static_assert(2 * GEMM_MEDIUM_SLAB <= GEMM_SMALL_SHARED, "gemm_medium's tiles fit gemm_small's shared memory");
    __shared__ __align__(16) float smem[GEMM_SMALL_SHARED];
    unsigned block = blockIdx.x;
    int j = 0;
    if (block >= (unsigned)blocks0) {
        block -= blocks0, j = 1;
        if (block >= (unsigned)blocks1) {
            block -= blocks1, j = 2;
            if (block >= (unsigned)blocks2) block -= blocks2, j = 3;
        }
    }
    const GemmArgs s = j == 0 ? GemmArgs{GEMM_ARGS_OF(p0_)} : j == 1 ? GemmArgs{GEMM_ARGS_OF(p1_)}
                     : j == 2 ? GemmArgs{GEMM_ARGS_OF(p2_)} : GemmArgs{GEMM_ARGS_OF(p3_)};
    const bool medium = (j == 0 ? medium0 : j == 1 ? medium1 : j == 2 ? medium2 : medium3) != 0;
    const unsigned tile = medium ? GEMM_MEDIUM_TILE : GEMM_SMALL_TILE;
    const unsigned tilesN = (s.n + tile - 1) / tile, tilesM = (s.m + tile - 1) / tile;
    const unsigned tileCol = block % tilesN, tileRow = block / tilesN % tilesM, item = block / tilesN / tilesM;
    const unsigned g = item / s.batch, bi = item % s.batch;
    if (medium) {
        auto tileA = reinterpret_cast<float (*)[16][GEMM_MEDIUM_TILE + GEMM_PAD]>(smem);
        auto tileB = reinterpret_cast<float (*)[16][GEMM_MEDIUM_TILE + GEMM_PAD]>(smem + GEMM_MEDIUM_SLAB);
        gemm_tiled_any<GEMM_MEDIUM_TILE, 16>(tileA, tileB, tileRow, tileCol, g, bi, GEMM_FIELDS(s));
        gemm_item_sums<GEMM_MEDIUM_TILE, GEMM_MEDIUM_TILE, GEMM_THREADS>(tileRow, tileCol, g, bi, smem, GEMM_FIELDS(s));
    } else {
        gemm_small_item(smem, tileRow, tileCol, g, bi, GEMM_FIELDS(s));
    }
}
#undef GEMM_MULTI_PARAMS
#undef GEMM_MEDIUM_SLAB
#undef SPLIT
