// Top-k routing's sparse dispatch: the CUDA launches of ops.RoutingTopK, ModuleDispatch, GatherSlots,
// ScatterSlots, CombineSlots, CombineSlotsBackward, GemmSegmented and GemmSegmentedWeightGrad (CPU reference:
// their references, with TopKSelection's order and SegmentedGemm). A slot is one (row, module) pair of a replica, rows * k
// of them per replica, ordered by module and, within a module, by row. Per replica, with R modules:
//   chosen (rows, k): a row's modules, increasing; pairs (slots): row * R + module of slot s;
//   starts (R + 1): module m's slots are [starts[m], starts[m + 1]); rowSlots (rows, k): the slot of (row, j).
// Bits: the selection (chosen and gates), the permutation (integers), the gathers and their adjoint, the combine and
// its backward give the CPU's bits: the same float operations in the same order, through __fmul_rn / __fadd_rn /
// __fdiv_rn where nvcc would otherwise contract a multiply and an add into an FMA (or approximate a division). The
// segmented products (c, and gw of the weight gradient) are tiled and use FMA in FP32: within 1e-5 of the CPU, not
// its bits; in TF32 and 3xTF32 their _tf32 versions run on tensor cores (gemm_tc.h's tile, gemm_tf32's arithmetic).
// The bias gradient gb is the reference's sum (the rows in order onto gb), bit for bit, in every precision. No
// atomics, every sum in a fixed order: the same bits in any thread order.
// Loops over k and over a slab's 16 steps unroll at most 4 times: full unrolling made this file's share of the
// fatbin half again as large.
// Indices come from routingTopK and moduleDispatch. One out of range (a module outside [0, R), a slot outside
// [0, slots), bounds outside [0, slots)) is skipped or clamped, so no kernel reads or writes outside its views: a
// chosen module out of range gets no slot, a pair or slot out of range gathers zeros and adds nothing.
// Element counts fit in 31 bits (CudaBackend checks every view), so index arithmetic is 32-bit.

#include "launch.h"
#include "gemm_tc.h"

#define SEG_DEPTH 16 // the segmented products' slab along the summed dimension (SEG_TILE: their tile per block)

#define SLOT_GRID_STRIDE(index, total)                                                                            \
    for (unsigned index = blockIdx.x * blockDim.x + threadIdx.x; index < (unsigned)(total);                      \
         index += gridDim.x * blockDim.x)

// A probability's place in TopKSelection.rank's order as an unsigned integer (greater: ranks before; equal: a tie,
// which the lower module wins): every NaN above +inf, -0 equal to +0.
__device__ __forceinline__ unsigned slot_order(float p) {
    if (isnan(p)) return 0xffffffffu;
    const unsigned b = __float_as_uint(p == 0.0f ? 0.0f : p);
    return b & 0x80000000u ? ~b : b | 0x80000000u;
}

// For each of m rows of n <= TOPK_MAX_MODULES probabilities (probs and gates (m, n), chosen (m, k), 1 <= k <= n):
//   module j kept iff fewer than k modules rank before it (slot_order, ties to the lower module; k = n keeps all);
//   chosen = the kept modules, increasing (compacted by ballot);
//   s = the kept p summed in increasing module order from 0 (__fadd_rn), gate_j = p_j / s (__fdiv_rn) at a kept j,
//   0 elsewhere: the CPU's bits.
// One warp per row (rows beyond the grid's warps loop), lane l for modules l and l + 32; the row's orders, its kept
// modules and their p in the warp's shared rows. grid (min(ceil(m / TOPK_WARPS), 65535)), block 32 * TOPK_WARPS.
extern "C" __global__ void __launch_bounds__(32 * TOPK_WARPS)
routing_topk(int m, int n, int k, const float* __restrict__ probs, float* __restrict__ gates, int* __restrict__ chosen) {
    __shared__ unsigned order[TOPK_WARPS][TOPK_MAX_MODULES]; // slot_order(p_j)
    __shared__ int keptModule[TOPK_WARPS][TOPK_MAX_MODULES]; // the kept modules, increasing (k of them)
    __shared__ float keptProb[TOPK_WARPS][TOPK_MAX_MODULES]; // and their p
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    const unsigned below = (1u << lane) - 1u; // the lanes below this one
    unsigned* o = order[warp];
    int* kk = keptModule[warp];
    float* kp = keptProb[warp];
    for (int row = blockIdx.x * warps + warp; row < m; row += gridDim.x * warps) {
        const float* p = probs + row * n;
        const bool has0 = lane < n, has1 = lane + 32 < n;
        const float p0 = has0 ? p[lane] : 0.0f, p1 = has1 ? p[lane + 32] : 0.0f;
        if (has0) o[lane] = slot_order(p0);
        if (has1) o[lane + 32] = slot_order(p1);
        __syncwarp();
        bool keep0 = has0, keep1 = has1;
        if (k < n) {
            const unsigned o0 = has0 ? o[lane] : 0u, o1 = has1 ? o[lane + 32] : 0u;
            int rank0 = 0, rank1 = 0; // modules that rank before lane and before lane + 32
            for (int l = 0; l < n; l++) {
                const unsigned ol = o[l];
                rank0 += (ol > o0) | ((ol == o0) & (l < lane));
                rank1 += (ol > o1) | ((ol == o1) & (l < lane + 32));
            }
            keep0 = keep0 && rank0 < k;
            keep1 = keep1 && rank1 < k;
        }
        const unsigned ballot0 = __ballot_sync(0xffffffffu, keep0), ballot1 = __ballot_sync(0xffffffffu, keep1);
        if (keep0) {
            const int at = __popc(ballot0 & below);
            kk[at] = lane;
            kp[at] = p0;
        }
        if (keep1) {
            const int at = __popc(ballot0) + __popc(ballot1 & below);
            kk[at] = lane + 32;
            kp[at] = p1;
        }
        __syncwarp();
        float s = 0.0f; // every lane the same sum, in the CPU's order
#pragma unroll 1
        for (int l = 0; l < k; l++) s = __fadd_rn(s, kp[l]);
        for (int l = lane; l < k; l += 32) chosen[row * k + l] = kk[l];
        float* g = gates + row * n;
        if (has0) g[lane] = keep0 ? __fdiv_rn(p0, s) : 0.0f;
        if (has1) g[lane + 32] = keep1 ? __fdiv_rn(p1, s) : 0.0f;
        __syncwarp(); // o, kk and kp are the next row's
    }
}

// For each replica r, a stable counting sort of its slots = rows * k chosen modules (chosen, pairs and rowSlots
// (rep, slots), starts (rep, R + 1)), in three phases split by __syncthreads (which also makes the global writes of
// one visible to the next):
//   1. warp per module m: the entries i of chosen equal to m, counted 32 at a time by ballot, into starts[m + 1];
//   2. warp 0: the prefix sums of the counts, 32 modules at a time (shuffle scan plus a carry), starts[0] = 0;
//   3. warp per module m again: its entries in increasing i take the slots from starts[m] on (the rank among the
//      ballot's lanes below): pairs[slot] = (i / k) * R + m, rowSlots[i] = slot.
// Integer sums only: the CPU's pairs, starts and rowSlots exactly. An entry outside [0, R) gets no slot (its rowSlots
// entry stays as it was; starts[R] < slots then). One block per replica (replicas beyond gridDim.x loop).
// grid (min(rep, 65535)), block SLOT_THREADS.
extern "C" __global__ void __launch_bounds__(SLOT_THREADS)
module_dispatch(int rep, int rows, int modules, int k, const int* __restrict__ chosen, int* __restrict__ pairs,
                int* starts, int* __restrict__ rowSlots) {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    const unsigned below = (1u << lane) - 1u;
    const int slots = rows * k;
    for (int r = blockIdx.x; r < rep; r += gridDim.x) {
        const int* c = chosen + r * slots;
        int* s = starts + r * (modules + 1);
        for (int mod = warp; mod < modules; mod += warps) {
            int count = 0;
#pragma unroll 1
            for (int i0 = 0; i0 < slots; i0 += 32) {
                const int i = i0 + lane;
                count += __popc(__ballot_sync(0xffffffffu, i < slots && c[i] == mod));
            }
            if (lane == 0) s[mod + 1] = count;
        }
        __syncthreads();
        if (warp == 0) {
            int carry = 0; // the slots of the modules before this round's
#pragma unroll 1
            for (int m0 = 0; m0 < modules; m0 += 32) {
                const int mod = m0 + lane;
                int v = mod < modules ? s[mod + 1] : 0;
                for (int d = 1; d < 32; d *= 2) {
                    const int u = __shfl_up_sync(0xffffffffu, v, d);
                    if (lane >= d) v += u;
                }
                if (mod < modules) s[mod + 1] = carry + v;
                carry += __shfl_sync(0xffffffffu, v, 31);
            }
            if (lane == 0) s[0] = 0;
        }
        __syncthreads();
        for (int mod = warp; mod < modules; mod += warps) {
            int next = s[mod]; // the module's next free slot
#pragma unroll 1
            for (int i0 = 0; i0 < slots; i0 += 32) {
                const int i = i0 + lane;
                const bool hit = i < slots && c[i] == mod;
                const unsigned ballot = __ballot_sync(0xffffffffu, hit);
                if (hit) {
                    const int slot = next + __popc(ballot & below);
                    pairs[r * slots + slot] = i / k * modules + mod;
                    rowSlots[r * slots + i] = slot;
                }
                next += __popc(ballot);
            }
        }
        // no barrier before the next replica: its phase 1 writes another replica's starts
    }
}

// dst[r][s][c] = src[r][block][c], block = pairs[r][s] (perModule: src (rep, rows, R, width)) or pairs[r][s] / R
// (src (rep, rows, width)); dst (rep, slots, width); zeros for a pair outside [0, rows R). Thread per element of dst.
// grid-stride 1-D, block SLOT_THREADS.
extern "C" __global__ void gather_slots(int rep, int rows, int modules, int k, int width, int perModule,
                                        const int* __restrict__ pairs, const float* __restrict__ src,
                                        float* __restrict__ dst) {
    const int slots = rows * k, blocks = perModule ? rows * modules : rows; // blocks of width per replica in src
    SLOT_GRID_STRIDE(idx, rep * slots * width) {
        const unsigned c = idx % width, rs = idx / width, r = rs / slots; // rs = r * slots + s
        const int pair = pairs[rs];
        const bool valid = pair >= 0 && pair < rows * modules;
        const int block = perModule ? pair : pair / modules;
        dst[idx] = valid ? src[(r * blocks + block) * width + c] : 0.0f;
    }
}

// The adjoint of gather_slots, overwriting dst: dst[r][row][(m,)][c] = the sum, from 0 in the row's j order
// (__fadd_rn, as the CPU's +=), of src[r][rowSlots[r][row][j]][c] over the row's j (perModule: over the j whose slot
// is module m's, pairs[slot] % R = m; a module the row did not choose gets 0). src (rep, slots, width); dst
// (rep, rows, R, width) when perModule, else (rep, rows, width). Thread per element of dst. grid-stride 1-D.
extern "C" __global__ void scatter_slots(int rep, int rows, int modules, int k, int width, int perModule,
                                         const int* __restrict__ pairs, const int* __restrict__ rowSlots,
                                         const float* __restrict__ src, float* __restrict__ dst) {
    const int slots = rows * k, per = perModule ? modules : 1; // blocks of width per row in dst
    SLOT_GRID_STRIDE(idx, rep * rows * per * width) {
        const unsigned c = idx % width, rb = idx / width, rr = rb / per, r = rr / rows; // rr = r * rows + row
        const int mod = rb % per;
        float acc = 0.0f;
#pragma unroll 1
        for (int j = 0; j < k; j++) {
            const int slot = rowSlots[rr * k + j];
            if (slot < 0 || slot >= slots) continue;
            if (perModule) {
                const int pair = pairs[r * slots + slot];
                if (pair < 0 || pair % modules != mod) continue;
            }
            acc = __fadd_rn(acc, src[(r * slots + slot) * width + c]);
        }
        dst[idx] = acc;
    }
}

// out[r][row][c] = sum over the row's j, from 0 in j order, of gate * values[r][slot][c] (slot = rowSlots[r][row][j],
// gate = gates[r][row][pairs[r][slot] % R]): __fmul_rn then __fadd_rn, the CPU's bits. values (rep, slots, width),
// gates (rep, rows, R), out (rep, rows, width). Thread per element of out. grid-stride 1-D.
extern "C" __global__ void combine_slots(int rep, int rows, int modules, int k, int width,
                                         const int* __restrict__ pairs, const int* __restrict__ rowSlots,
                                         const float* __restrict__ gates, const float* __restrict__ values,
                                         float* __restrict__ out) {
    const int slots = rows * k;
    SLOT_GRID_STRIDE(idx, rep * rows * width) {
        const unsigned c = idx % width, rr = idx / width, r = rr / rows;
        float acc = 0.0f;
#pragma unroll 1
        for (int j = 0; j < k; j++) {
            const int slot = rowSlots[rr * k + j];
            if (slot < 0 || slot >= slots) continue;
            const int pair = pairs[r * slots + slot];
            if (pair < 0) continue;
            const float gate = gates[rr * modules + pair % modules];
            acc = __fadd_rn(acc, __fmul_rn(gate, values[(r * slots + slot) * width + c]));
        }
        out[idx] = acc;
    }
}

// combine_slots backward, overwriting both outputs; one index space, the first rep * slots * width threads for
// gradValues, the next rep * rows * R for gradGates:
//   gradValues[r][s][c] = gate * gradOut[r][row][c] (__fmul_rn), (row, m) = the pair of slot s, gate = gates[r][row][m];
//   gradGates[r][row][m] = gradOut[r][row] . values[r][slot], c increasing from 0 (__fmul_rn, __fadd_rn), slot the
//   row's slot of module m (the last j if two had it, as the CPU's overwrite), 0 where the row did not choose m.
// The CPU's bits. grid-stride 1-D, block SLOT_THREADS.
extern "C" __global__ void combine_slots_backward(int rep, int rows, int modules, int k, int width,
                                                  const int* __restrict__ pairs, const int* __restrict__ rowSlots,
                                                  const float* __restrict__ gates, const float* __restrict__ values,
                                                  const float* __restrict__ gradOut, float* __restrict__ gradValues,
                                                  float* __restrict__ gradGates) {
    const int slots = rows * k;
    const unsigned valueCount = rep * slots * width;
    SLOT_GRID_STRIDE(idx, valueCount + rep * rows * modules) {
        if (idx < valueCount) {
            const unsigned c = idx % width, rs = idx / width, r = rs / slots;
            const int pair = pairs[rs];
            float g = 0.0f;
            if (pair >= 0 && pair < rows * modules) {
                const unsigned rr = r * rows + pair / modules;
                g = __fmul_rn(gates[rr * modules + pair % modules], gradOut[rr * width + c]);
            }
            gradValues[idx] = g;
        } else {
            const unsigned e = idx - valueCount, rr = e / modules, r = rr / rows; // e = rr * R + m
            const int mod = e % modules;
            int slot = -1;
#pragma unroll 1
            for (int j = 0; j < k; j++) {
                const int sj = rowSlots[rr * k + j];
                if (sj < 0 || sj >= slots) continue;
                const int pair = pairs[r * slots + sj];
                if (pair >= 0 && pair % modules == mod) slot = sj;
            }
            float dot = 0.0f;
            if (slot >= 0) {
                const float* dy = gradOut + rr * width;
                const float* v = values + (r * slots + slot) * width;
#pragma unroll 4
                for (int c = 0; c < width; c++) dot = __fadd_rn(dot, __fmul_rn(dy[c], v[c]));
            }
            gradGates[e] = dot;
        }
    }
}

// Calls segment(r, mod, from, count) for each item r * R + mod of the block (grid z walks them, items beyond gridDim.z
// loop): module mod's segment [from, from + count) of replica r's slots, its bounds clamped into [0, slots].
template <typename Segment>
__device__ __forceinline__ void seg_items(const int* starts, int rep, int modules, int slots, Segment segment) {
    for (unsigned item = blockIdx.z; item < (unsigned)(rep * modules); item += gridDim.z) {
        const int r = item / modules, mod = item % modules;
        const int* b = starts + r * (modules + 1) + mod;
        const int from = min(max(b[0], 0), slots);
        segment(r, mod, from, min(max(b[1], from), slots) - from);
    }
}

// One thread's 4 x 4 register tile of a segmented product over one slab of shared memory:
// acc[i][j] += sum over p < SEG_DEPTH of a[p][ty + 16 i] * b[p][tx + 16 j]
__device__ __forceinline__ void seg_slab_product(float (&acc)[4][4], const float (*a)[SEG_TILE + 1],
                                                 const float (*b)[SEG_TILE + 1], int tx, int ty) {
#pragma unroll 4
    for (int p = 0; p < SEG_DEPTH; p++) {
        float av[4], bv[4];
#pragma unroll
        for (int i = 0; i < 4; i++) av[i] = a[p][ty + 16 * i];
#pragma unroll
        for (int j = 0; j < 4; j++) bv[j] = b[p][tx + 16 * j];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) acc[i][j] += av[i] * bv[j];
    }
}

// For each replica r and module m, the rows of its segment: c = act(a_seg . op(w_m) + bias_m), overwriting c.
// a (rep, slots, kdim), c (rep, slots, n); op(w_m) (kdim, n): w_m (kdim, n) with row stride ldw, or (n, kdim) when
// transW, at r * wRepStride + m * wModuleStride; bias_m (n) or null at r * biasRepStride + m * biasModuleStride;
// act is ReLU (x < 0 ? 0 : x, NaN stays) when relu. The segment bounds are read on the device (no host sync).
// Block (x, y, item): item = r * R + m (items beyond gridDim.z loop); a 64 x 64 tile of the segment's output, its
// rows from + y * 64 on (tiles beyond gridDim.y loop; a block whose tile starts past the segment has nothing to do,
// so an empty module costs its blocks one read of starts), columns x * 64 on. 256 threads, each a 4 x 4 register
// tile whose rows and columns are 16 apart; slabs of 16 along kdim through shared memory (rows padded: no bank
// conflicts). FMA: not the CPU's bits.
// grid (ceil(n / 64), min(ceil(slots / 64), 65535), min(rep * R, 65535)), block SLOT_THREADS.
extern "C" __global__ void __launch_bounds__(SLOT_THREADS, 2)
gemm_segmented(int rep, int modules, const int* __restrict__ starts, int slots, int transW, int n, int kdim,
               const float* __restrict__ a, const float* __restrict__ w, int ldw, int wModuleStride, int wRepStride,
               float* __restrict__ c, const float* __restrict__ bias, int biasModuleStride, int biasRepStride,
               int relu) {
    __shared__ float tileA[SEG_DEPTH][SEG_TILE + 1]; // tileA[p][i] = a_seg[row0 + i][p0 + p]
    __shared__ float tileW[SEG_DEPTH][SEG_TILE + 1]; // tileW[p][j] = op(w_m)[p0 + p][col0 + j]
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int col0 = blockIdx.x * SEG_TILE;
    seg_items(starts, rep, modules, slots, [&](int r, int mod, int from, int count) {
        const float* aSeg = a + (r * slots + from) * kdim;
        const float* wItem = w + r * wRepStride + mod * wModuleStride;
        const int wp = transW ? 1 : ldw, wj = transW ? ldw : 1;
        for (int row0 = blockIdx.y * SEG_TILE; row0 < count; row0 += gridDim.y * SEG_TILE) {
            float acc[4][4];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
            for (int p0 = 0; p0 < kdim; p0 += SEG_DEPTH) {
                // element idx = tid + l * 256 (l < 4) of the slab: (i, p) of a_seg's 64 x 16 and (p, j) of op(w)'s
                // 16 x 64, each read along its stored rows
#pragma unroll
                for (int l = 0; l < 4; l++) {
                    const int idx = tid + l * SLOT_THREADS;
                    const int i = idx / SEG_DEPTH, pa = idx % SEG_DEPTH;
                    tileA[pa][i] = row0 + i < count && p0 + pa < kdim ? aSeg[(row0 + i) * kdim + p0 + pa] : 0.0f;
                    // op(w)[p][j] = w_m[p * wp + j * wj]
                    const int pw = transW ? idx % SEG_DEPTH : idx / SEG_TILE, j = transW ? idx / SEG_DEPTH : idx % SEG_TILE;
                    tileW[pw][j] = p0 + pw < kdim && col0 + j < n ? wItem[(p0 + pw) * wp + (col0 + j) * wj] : 0.0f;
                }
                __syncthreads();
                seg_slab_product(acc, tileA, tileW, tx, ty);
                __syncthreads();
            }
            // the epilogue without branches (one copy of the code): v < floor ? floor : v is ReLU at floor 0 (a NaN
            // stays) and the identity at floor -inf
            float* cSeg = c + (r * slots + from) * n;
            const float* biasItem = bias ? bias + r * biasRepStride + mod * biasModuleStride : nullptr;
            const float floor = relu ? 0.0f : -INFINITY;
            float biasJ[4];
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const int gj = col0 + tx + 16 * j;
                biasJ[j] = biasItem && gj < n ? biasItem[gj] : 0.0f;
            }
#pragma unroll
            for (int i = 0; i < 4; i++) {
                const int gi = row0 + ty + 16 * i;
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    const int gj = col0 + tx + 16 * j;
                    const float v = acc[i][j] + biasJ[j];
                    if (gi < count && gj < n) cSeg[gi * n + gj] = v < floor ? floor : v;
                }
            }
        }
    });
}

// The weight gradient of gemm_segmented (not transW), for each replica r and module m with a non-empty segment:
// gw_m (kdim, n) += a_seg^T . d_seg and, when gb is not null, gb_m (n) += the column sums of d_seg; a (rep, slots,
// kdim), d (rep, slots, n); gw_m and gb_m addressed as w_m and bias_m in gemm_segmented. An empty module writes
// nothing. Block (x, y, item): item = r * R + m (items beyond gridDim.z loop), the 64 x 64 tile of gw_m at rows
// (kdim) y * 64 on, columns x * 64 on; it walks the segment's rows in increasing order, 16 a slab through shared
// memory, into 4 x 4 register tiles per thread (FMA: not the CPU's bits, the same bits in any thread order), then
// adds them to gw. The y = 0 blocks also sum their columns of d_seg: thread j < 64 adds the slab's rows in order onto
// gb[j] (__fadd_rn), the scalar reference's order and bits.
// grid (ceil(n / 64), max(1, ceil(kdim / 64)), min(rep * R, 65535)), block SLOT_THREADS.
extern "C" __global__ void __launch_bounds__(SLOT_THREADS, 2)
gemm_segmented_weight_grad(int rep, int modules, const int* __restrict__ starts, int slots, int n, int kdim,
                           const float* __restrict__ a, const float* __restrict__ d, float* __restrict__ gw, int ldw,
                           int wModuleStride, int wRepStride, float* __restrict__ gb, int biasModuleStride,
                           int biasRepStride) {
    __shared__ float tileA[SEG_DEPTH][SEG_TILE + 1]; // tileA[p][i] = a_seg[p0 + p][row0 + i]
    __shared__ float tileD[SEG_DEPTH][SEG_TILE + 1]; // tileD[p][j] = d_seg[p0 + p][col0 + j]
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int row0 = blockIdx.y * SEG_TILE, col0 = blockIdx.x * SEG_TILE;
    const bool sumsBias = gb != nullptr && blockIdx.y == 0 && tid < SEG_TILE && col0 + tid < n;
    seg_items(starts, rep, modules, slots, [&](int r, int mod, int from, int count) {
        if (count == 0) return; // the same for the whole block
        const float* aSeg = a + (r * slots + from) * kdim;
        const float* dSeg = d + (r * slots + from) * n;
        float* gbItem = sumsBias ? gb + r * biasRepStride + mod * biasModuleStride : nullptr;
        float colSum = sumsBias ? gbItem[col0 + tid] : 0.0f;
        float acc[4][4];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
        for (int p0 = 0; p0 < count; p0 += SEG_DEPTH) {
            // element idx = tid + l * 256 (l < 4): (p, i) of a_seg's 16 x 64 and (p, j) of d_seg's, along the rows
#pragma unroll
            for (int l = 0; l < 4; l++) {
                const int idx = tid + l * SLOT_THREADS;
                const int p = idx / SEG_TILE, e = idx % SEG_TILE;
                const bool row = p0 + p < count;
                tileA[p][e] = row && row0 + e < kdim ? aSeg[(p0 + p) * kdim + row0 + e] : 0.0f;
                tileD[p][e] = row && col0 + e < n ? dSeg[(p0 + p) * n + col0 + e] : 0.0f;
            }
            __syncthreads();
            if (sumsBias) {
                const int depth = min(SEG_DEPTH, count - p0);
                for (int p = 0; p < depth; p++) colSum = __fadd_rn(colSum, tileD[p][tid]);
            }
            seg_slab_product(acc, tileA, tileD, tx, ty);
            __syncthreads();
        }
        float* gwItem = gw + r * wRepStride + mod * wModuleStride;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int gi = row0 + ty + 16 * i;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const int gj = col0 + tx + 16 * j;
                if (gi < kdim && gj < n) gwItem[gi * ldw + gj] += acc[i][j];
            }
        }
        if (sumsBias) gbItem[col0 + tid] = colSum;
    });
}

// gemm_segmented on tensor cores: the same meaning and arguments, plus precision as gemm_tf32's (1: TF32, 2: 3xTF32),
// each segment's rows through gemm_tc.h's tile (the reference's rounding, and its order per k step of 8 on the
// emulated device; a GPU's mma adds in an order of its own). Block (x, y, item) as gemm_segmented's, tiles of
// GEMM_TC_TILE, four warps; the epilogue is gemm_segmented's. No minimum of blocks per SM in its launch bounds: it takes
// 162 registers on sm_80 (3 blocks an SM), and at 4 blocks (128 registers) ptxas spilled on sm_90 (nvcc 13).
// grid (ceil(n / 64), min(ceil(slots / 64), 65535), min(rep * R, 65535)), block GEMM_TC_THREADS.
extern "C" __global__ void __launch_bounds__(GEMM_TC_THREADS)
gemm_segmented_tf32(int rep, int modules, const int* __restrict__ starts, int slots, int transW, int n, int kdim,
                    const float* __restrict__ a, const float* __restrict__ w, int ldw, int wModuleStride,
                    int wRepStride, float* __restrict__ c, const float* __restrict__ bias, int biasModuleStride,
                    int biasRepStride, int relu, int precision) {
    __shared__ __align__(16) float slabA[TC_STAGES][TC_SLAB_FLOATS];
    __shared__ __align__(16) float slabB[TC_STAGES][TC_SLAB_FLOATS];
    const int col0 = blockIdx.x * GEMM_TC_TILE;
    const bool split = precision == 2;
    const float floor = relu ? 0.0f : -INFINITY; // as gemm_segmented's epilogue
    seg_items(starts, rep, modules, slots, [&](int r, int mod, int from, int count) {
        const float* aSeg = a + (r * slots + from) * kdim;
        const float* wItem = w + r * wRepStride + mod * wModuleStride;
        float* cSeg = c + (r * slots + from) * n;
        const float* biasItem = bias ? bias + r * biasRepStride + mod * biasModuleStride : nullptr;
        for (int row0 = blockIdx.y * GEMM_TC_TILE; row0 < count; row0 += gridDim.y * GEMM_TC_TILE) {
            float acc[2][4][4];
            if (transW) tc_tile<false, true>(split, slabA, slabB, count, n, kdim, aSeg, kdim, wItem, ldw, row0, col0, acc);
            else tc_tile<false, false>(split, slabA, slabB, count, n, kdim, aSeg, kdim, wItem, ldw, row0, col0, acc);
            tc_each(acc, [&](int i, int j, float v) {
                const int gi = row0 + i, gj = col0 + j;
                if (gi >= count || gj >= n) return;
                v += biasItem ? biasItem[gj] : 0.0f;
                cSeg[gi * n + gj] = v < floor ? floor : v;
            });
        }
    });
}

// gemm_segmented_weight_grad on tensor cores: the same meaning and arguments, plus precision as gemm_tf32's; gw_m's
// 64 x 64 tile at (y, x) through gemm_tc.h's tile, the segment's rows summed from its first (the reference's k steps
// of 8), then added to gw. The y = 0 blocks' threads j < 64 also add d_seg's column j, rows in order, onto gb[j]
// (__fadd_rn): the reference's bits, as gemm_segmented_weight_grad's.
// grid (ceil(n / 64), max(1, ceil(kdim / 64)), min(rep * R, 65535)), block GEMM_TC_THREADS.
extern "C" __global__ void __launch_bounds__(GEMM_TC_THREADS)
gemm_segmented_weight_grad_tf32(int rep, int modules, const int* __restrict__ starts, int slots, int n, int kdim,
                                const float* __restrict__ a, const float* __restrict__ d, float* __restrict__ gw,
                                int ldw, int wModuleStride, int wRepStride, float* __restrict__ gb,
                                int biasModuleStride, int biasRepStride, int precision) {
    __shared__ __align__(16) float slabA[TC_STAGES][TC_SLAB_FLOATS];
    __shared__ __align__(16) float slabB[TC_STAGES][TC_SLAB_FLOATS];
    const int tid = threadIdx.x;
    const int row0 = blockIdx.y * GEMM_TC_TILE, col0 = blockIdx.x * GEMM_TC_TILE;
    const bool split = precision == 2;
    const bool sumsBias = gb != nullptr && blockIdx.y == 0 && tid < GEMM_TC_TILE && col0 + tid < n;
    seg_items(starts, rep, modules, slots, [&](int r, int mod, int from, int count) {
        if (count == 0) return; // the same for the whole block
        const float* aSeg = a + (r * slots + from) * kdim;
        const float* dSeg = d + (r * slots + from) * n;
        if (row0 < kdim) { // the same for the whole block (kdim 0: the bias gradient alone)
            float acc[2][4][4];
            tc_tile<true, false>(split, slabA, slabB, kdim, n, count, aSeg, kdim, dSeg, n, row0, col0, acc);
            float* gwItem = gw + r * wRepStride + mod * wModuleStride;
            tc_each(acc, [&](int i, int j, float v) {
                const int gi = row0 + i, gj = col0 + j;
                if (gi < kdim && gj < n) gwItem[gi * ldw + gj] += v;
            });
        }
        if (sumsBias) {
            float* gbJ = gb + r * biasRepStride + mod * biasModuleStride + col0 + tid;
            float colSum = *gbJ;
#pragma unroll 4
            for (int p = 0; p < count; p++) colSum = __fadd_rn(colSum, dSeg[p * n + col0 + tid]);
            *gbJ = colSum;
        }
    });
}
