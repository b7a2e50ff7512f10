// Fused self-attention with the diagonal masked and sparse top-k selection, forward and backward: the CUDA twins of
// ops.AttentionForward / AttentionBackward (CPU reference: ScalarAttention, TopKSelection).
// q, k, v, out and their gradients are (seqs, length, heads * headDim), head h at columns h * headDim; kept, weight
// and gradScore are (seqs, heads, length, keep) with keep = AttentionShape.keptKeys(topK, length), passed in.
// One block per (sequence, head) pair (pairs beyond gridDim.x loop), ATTN_WARPS warps at most; each warp owns a row
// of the shared arrays, so length <= ATTN_MAX_LENGTH (CudaBackend checks). Deterministic: no atomics, every sum in
// a fixed order; the per-key sums of the backward run over the queries in increasing order, as the CPU's.

#include "launch.h"

#define ATTN_TILE_D 16 // columns of a warp's tile of rows

__device__ __forceinline__ float attn_warp_max(float v) {
    for (int d = 16; d > 0; d /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, d));
    return v;
}

__device__ __forceinline__ float attn_warp_sum(float v) {
    for (int d = 16; d > 0; d /= 2) v += __shfl_xor_sync(0xffffffffu, v, d);
    return v;
}

// A score's place in TopKSelection.before's order as an unsigned integer (greater: before, equal: a tie, which the
// lower key wins): NaN above +inf, -0 equal to +0; no score maps to 0.
__device__ __forceinline__ unsigned attn_order(float s) {
    if (isnan(s)) return 0xffffffffu;
    const unsigned b = __float_as_uint(s == 0.0f ? 0.0f : s);
    return b & 0x80000000u ? ~b : b | 0x80000000u;
}

// The score back from attn_order (a NaN stays a NaN)
__device__ __forceinline__ float attn_score(unsigned o) {
    return __uint_as_float(o & 0x80000000u ? o & 0x7fffffffu : ~o);
}

// the lanes below this one, for compaction by ballot
__device__ __forceinline__ unsigned attn_lanes_below(int lane) {
    return (1u << lane) - 1u;
}

// Lane r < n returns a . row(r) over headDim, d in increasing order without FMA (the CPU's bits); the other lanes 0.
// The n <= 32 rows are read along d into the warp's tile (32 x ATTN_TILE_D, rows padded to an odd stride: lane r
// reads row r conflict-free), so the loads are coalesced where one lane per row would touch 32 rows at once.
// a and row(r) point into global memory; every lane of the warp calls it.
template <class Row>
__device__ __forceinline__ float attn_row_dots(const float* a, int headDim, int n, Row row,
                                               float (*tile)[ATTN_TILE_D + 1]) {
    const int lane = threadIdx.x % 32, c = lane % ATTN_TILE_D;
    float dot = 0.0f;
    for (int d0 = 0; d0 < headDim; d0 += ATTN_TILE_D) {
        const int dn = min(ATTN_TILE_D, headDim - d0);
        for (int r = lane / ATTN_TILE_D; r < n; r += 32 / ATTN_TILE_D) {
            if (c < dn) tile[r][c] = row(r)[d0 + c];
        }
        __syncwarp();
        if (lane < n) {
            for (int e = 0; e < dn; e++) dot = __fadd_rn(dot, __fmul_rn(a[d0 + e], tile[lane][e]));
        }
        __syncwarp(); // the tile is the next columns'
    }
    return dot;
}

// For each (sequence, head) and query i, one warp per query:
//   s_j = scale * (q_i . k_j) for j != i, lane per key (attn_row_dots): the CPU's bits, so the kept sets agree
//   exactly even at near ties;
//   key j kept iff fewer than keep keys rank before it (attn_order, ties to the lower key), compacted in
//   increasing key order;
//   w = softmax of the kept scores (max-subtracted); out_i[d] = sum_l w_l v_{kept_l}[d], lane per d, l increasing.
// grid (min(seqs * heads, 65535)), block 32 * min(ATTN_WARPS, length). Bound to 6 blocks per SM (40 registers):
// on an H200 at length 10 (the training length), 6400 sequences of 8 heads of 16, 0.52 ms against 0.63 ms at 64
// registers, which are faster at length >= 30 (0.085 against 0.099 ms at 256 x 30, 4 heads of 64). Before the
// tile and attn_order (one lane per key reading its row, TopKSelection.before's branches): 0.58 and 0.26 ms.
extern "C" __global__ void __launch_bounds__(32 * ATTN_WARPS, 6)
attention_forward(int seqs, int length, int heads, int headDim, int keep, float scale, const float* __restrict__ q,
                  const float* __restrict__ k, const float* __restrict__ v, float* __restrict__ out,
                  int* __restrict__ kept, float* __restrict__ weight) {
    // per warp: order (length), attn_order(s_j) with 0 at i; scratch: attn_row_dots' tile (32, ATTN_TILE_D + 1)
    // while the scores are made, then (as flat words) the kept keys kk (keep), increasing, and their weights ww (keep)
    __shared__ unsigned order[ATTN_WARPS][ATTN_MAX_LENGTH];
    __shared__ float scratch[ATTN_WARPS][32][ATTN_TILE_D + 1];
    static_assert(2 * ATTN_MAX_LENGTH <= 32 * (ATTN_TILE_D + 1), "kk and ww fit in the tile");
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    const int width = heads * headDim;
    unsigned* o = order[warp];
    float (*tile)[ATTN_TILE_D + 1] = scratch[warp];
    int* kk = reinterpret_cast<int*>(&scratch[warp][0][0]);
    float* ww = reinterpret_cast<float*>(kk + ATTN_MAX_LENGTH);
    for (int pair = blockIdx.x; pair < seqs * heads; pair += gridDim.x) {
        const int column = pair / heads * length * width + pair % heads * headDim; // token 0 of this head
        for (int i = warp; i < length; i += warps) {
            const float* qi = q + column + i * width;
            for (int j0 = 0; j0 < length; j0 += 32) {
                const float* k0 = k + column + j0 * width;
                const float dot = attn_row_dots(qi, headDim, min(32, length - j0),
                                                [=](int r) { return k0 + r * width; }, tile);
                const int j = j0 + lane;
                if (j < length) o[j] = j == i ? 0u : attn_order(__fmul_rn(scale, dot));
            }
            __syncwarp();
            int count = 0; // kept keys so far; keep at the end
            for (int j0 = 0; j0 < length; j0 += 32) {
                const int j = j0 + lane;
                bool kept_j = j < length && j != i;
                if (kept_j && keep < length - 1) { // keep = length - 1 keeps every other key
                    const unsigned oj = o[j];
                    int rank = 0; // keys before j (i is 0: never before)
                    for (int l = 0; l < length; l++) rank += (o[l] > oj) | ((o[l] == oj) & (l < j));
                    kept_j = rank < keep;
                }
                const unsigned ballot = __ballot_sync(0xffffffffu, kept_j);
                if (kept_j) kk[count + __popc(ballot & attn_lanes_below(lane))] = j;
                count += __popc(ballot);
            }
            __syncwarp();
            float mx = -INFINITY;
            for (int l = lane; l < keep; l += 32) mx = fmaxf(mx, attn_score(o[kk[l]]));
            mx = attn_warp_max(mx); // a NaN score is skipped here but makes the sum, so every weight, NaN: as the CPU
            float sum = 0.0f;
            for (int l = lane; l < keep; l += 32) {
                const float e = expf(attn_score(o[kk[l]]) - mx);
                ww[l] = e;
                sum += e;
            }
            sum = attn_warp_sum(sum);
            const int base = (pair * length + i) * keep;
            for (int l = lane; l < keep; l += 32) {
                ww[l] /= sum;
                kept[base + l] = kk[l];
                weight[base + l] = ww[l];
            }
            __syncwarp();
            for (int d = lane; d < headDim; d += 32) {
                float acc = 0.0f;
                for (int l = 0; l < keep; l++) acc += ww[l] * v[column + kk[l] * width + d];
                out[column + i * width + d] = acc;
            }
            __syncwarp(); // o, kk and ww are the next query's
        }
    }
}

// For each (sequence, head), two phases split by __syncthreads (which also makes phase 1's global writes visible):
//   1. warp per query i: g_l = dout_i . v_{kept_l} (lane per l reading its row: at the few kept keys of short
//      sequences faster than attn_row_dots, 0.58 against 1.40 ms on an H200 at 6400 x 10, 8 heads of 16, top 3),
//      ds_l = w_l (g_l - sum_l w_l g_l) into gradScore;
//      dq_i[d] = scale * sum_l ds_l k_{kept_l}[d] (lane per d, l increasing);
//   2. warp per key j: the queries i that kept j, found by binary search in their sorted kept rows (lane per query),
//      compacted in increasing i; dk_j[d] = sum_i (scale * ds_ij) q_i[d], dv_j[d] = sum_i w_ij dout_i[d] (lane per
//      d, i increasing); zero for a key no query kept.
// gradScore is read back in phase 2, so it is not __restrict__. grid and block as attention_forward.
extern "C" __global__ void __launch_bounds__(32 * ATTN_WARPS)
attention_backward(int seqs, int length, int heads, int headDim, int keep, float scale, const float* __restrict__ q,
                   const float* __restrict__ k, const float* __restrict__ v, const int* __restrict__ kept,
                   const float* __restrict__ weight, const float* __restrict__ gradOut, float* gradScore,
                   float* __restrict__ gradQ, float* __restrict__ gradK, float* __restrict__ gradV) {
    __shared__ int index[ATTN_WARPS][ATTN_MAX_LENGTH];   // phase 1: the query's kept keys; 2: the queries keeping j
    __shared__ float coefK[ATTN_WARPS][ATTN_MAX_LENGTH]; // 1: g_l, then ds_l; 2: scale * ds of each such query
    __shared__ float coefV[ATTN_WARPS][ATTN_MAX_LENGTH]; // 1: w_l; 2: w of each such query
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    const int width = heads * headDim;
    int* idx = index[warp];
    float* ck = coefK[warp];
    float* cv = coefV[warp];
    for (int pair = blockIdx.x; pair < seqs * heads; pair += gridDim.x) {
        const int column = pair / heads * length * width + pair % heads * headDim;
        const int rows = pair * length * keep; // kept row of query i at rows + i * keep
        for (int i = warp; i < length; i += warps) {
            const int base = rows + i * keep;
            const float* douti = gradOut + column + i * width;
            float weighted = 0.0f; // this lane's share of sum_l w_l g_l
            for (int l = lane; l < keep; l += 32) {
                const int j = kept[base + l];
                const float* vj = v + column + j * width;
                float g = 0.0f;
                for (int d = 0; d < headDim; d++) g += douti[d] * vj[d];
                idx[l] = j;
                ck[l] = g;
                cv[l] = weight[base + l];
                weighted += cv[l] * g;
            }
            weighted = attn_warp_sum(weighted);
            for (int l = lane; l < keep; l += 32) {
                ck[l] = cv[l] * (ck[l] - weighted);
                gradScore[base + l] = ck[l];
            }
            __syncwarp();
            for (int d = lane; d < headDim; d += 32) {
                float acc = 0.0f;
                for (int l = 0; l < keep; l++) acc += ck[l] * k[column + idx[l] * width + d];
                gradQ[column + i * width + d] = scale * acc;
            }
            __syncwarp();
        }
        __syncthreads(); // every ds of this pair is in gradScore
        for (int j = warp; j < length; j += warps) {
            int count = 0; // queries that kept j so far
            for (int i0 = 0; i0 < length; i0 += 32) {
                const int i = i0 + lane;
                int at = -1; // j's place in gradScore and weight, if query i kept it
                if (i < length && i != j) {
                    const int* row = kept + rows + i * keep;
                    int lo = 0, hi = keep;
                    while (lo < hi) {
                        const int mid = (lo + hi) / 2;
                        if (row[mid] < j) lo = mid + 1;
                        else hi = mid;
                    }
                    if (lo < keep && row[lo] == j) at = rows + i * keep + lo;
                }
                const unsigned ballot = __ballot_sync(0xffffffffu, at >= 0);
                if (at >= 0) {
                    const int t = count + __popc(ballot & attn_lanes_below(lane));
                    idx[t] = i;
                    ck[t] = scale * gradScore[at];
                    cv[t] = weight[at];
                }
                count += __popc(ballot);
            }
            __syncwarp();
            for (int d = lane; d < headDim; d += 32) {
                float dk = 0.0f, dv = 0.0f;
                for (int t = 0; t < count; t++) {
                    const int row = column + idx[t] * width + d;
                    dk += ck[t] * q[row];
                    dv += cv[t] * gradOut[row];
                }
                gradK[column + j * width + d] = dk;
                gradV[column + j * width + d] = dv;
            }
            __syncwarp();
        }
        // no barrier before the next pair: a warp's shared rows are its own, the next pair's gradScore another region
    }
}
