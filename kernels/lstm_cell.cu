// One fused step of R LSTM cells sharing their state (the reference's GroupLSTMCell; nn.LSTMCell for R = 1 without
// scores), forward and backward: the CUDA launches of ops.LstmCellForward / LstmCellBackward (CPU reference:
// ScalarLstmCell); and a whole window of such steps with their recurrent products, per sequence, in one launch each
// way (ops.LstmWindowForward / LstmWindowBackward, whose CPU reference is their parts, step by step). Per row of a
// replica:
//   input, recurrent, gates, gradInput, gradRecurrent (R, 4h): module m's gate blocks at 4 m h, in the order i, f, o, g
//   (ifog) or nn.LSTMCell's i, f, g, o; cells (R, h); scores, logits, gradLogits, gradScores (R); h, c, gradH,
//   gradC (h); scorer (R, 8h) per replica; c_prev, gradCPrev (rows, h) and scorerRows (rows, R, 8h) per replica.
// Pointers arrive offset to row row0 of replica 0 (per-row tensors, rowsPerReplica rows per replica), to replica 0's
// scorer and c_prev. No output aliases an input.
// One block per (replica, row) item, or per replica's group of up to LSTM_WINDOW_SEQUENCES sequences for a window
// (items beyond gridDim.x loop), LSTM_WARPS warps at most: a warp per module for the per-module dot products (lanes
// over k, a shuffle tree: deterministic), one thread for the R-wide softmax, then threads over the hidden units j,
// each looping over the modules in increasing order as the CPU. The scores of a row sit in shared memory: R <= LSTM_MAX_MODULES
// (CudaBackend checks). Sigmoid and tanh in float (expf, tanhf). A thread's sums never depend on the block's size.

#include "launch.h"

__device__ __forceinline__ float lstm_warp_sum(float v) {
    for (int d = 16; d > 0; d /= 2) v += __shfl_xor_sync(0xffffffffu, v, d);
    return v;
}

__device__ __forceinline__ float lstm_sigmoid(float x) {
    return 1.0f / (1.0f + expf(-x));
}

// max(x, 0) as Java's Math.max: a NaN stays NaN
__device__ __forceinline__ float lstm_relu(float x) {
    return x < 0.0f ? 0.0f : x;
}

// Offsets of the four gate blocks inside a module's 4h columns
struct LstmGates {
    int i, f, o, g;
};

// A block's part in the step: its lane and warp, the widths of a module and of a row of gates, the gate offsets
struct LstmBlock {
    int lane, warp, warps, width, gateWidth;
    LstmGates at;
};

__device__ __forceinline__ LstmBlock lstm_block(int modules, int hidden, int torchGateOrder) {
    const LstmGates at = torchGateOrder ? LstmGates{0, hidden, 3 * hidden, 2 * hidden}
                                        : LstmGates{0, hidden, 2 * hidden, 3 * hidden};
    return LstmBlock{(int)threadIdx.x % 32, (int)threadIdx.x / 32, (int)blockDim.x / 32, 4 * hidden,
                     modules * 4 * hidden, at};
}

// Item (replica r, row i) of the grid's loop; row: its index in the per-row tensors
struct LstmItem {
    int r, i, row;
};

__device__ __forceinline__ LstmItem lstm_item(int item, int rows, int rowsPerReplica) {
    const int r = item / rows, i = item % rows;
    return LstmItem{r, i, r * rowsPerReplica + i};
}

// Replica r's part of a tensor of every replica, stride apart (null stays null)
__device__ __forceinline__ const float* lstm_replica(const float* p, int r, int stride) {
    return p == nullptr ? nullptr : p + r * stride;
}

// score[m] = the row's given scores, or 1 where there are none (the block's threads over the modules)
__device__ __forceinline__ void lstm_given_scores(float* score, const float* scores, int row, int modules) {
    for (int m = threadIdx.x; m < modules; m += blockDim.x) {
        score[m] = scores == nullptr ? 1.0f : scores[row * modules + m];
    }
}

// One row's step: row its index in the per-row tensors, w its replica's scorer (null: none), prev its c_prev (h).
//   with a scorer: l_m = relu(input_m) . w_m[0, 4h) + relu(recurrent_m) . w_m[4h, 8h) (warp per module),
//   l into logits when not null, s = softmax(l) (max-subtracted, times 1 / sum) into scores; else s from scores, or 1
//   where scores is null (logits unused);
//   thread per j: gates = sigmoid / tanh of input + recurrent, cNew_m = f c_prev + i g, hNew_m = o tanh(cNew_m),
//   h = sum_m s_m hNew_m, c = sum_m s_m cNew_m.
// score: the block's shared (R); every thread of the block calls it, and may reuse score once it returns.
// No pointer is __restrict__: the window kernels read rows that the block wrote earlier in the same launch.
__device__ __forceinline__ void lstm_forward_row(const LstmBlock& b, float* score, int row, int modules, int hidden,
                                                 const float* input, const float* recurrent, const float* w,
                                                 float* scores, const float* prev, float* gates, float* cells,
                                                 float* h, float* c, float* logits) {
    const int width = b.width;
    const LstmGates at = b.at;
    const int pre = row * b.gateWidth; // module m's gates at pre + m * width
    if (w != nullptr) {
        for (int m = b.warp; m < modules; m += b.warps) {
            const int x = pre + m * width, wm = 2 * m * width;
            float dot = 0.0f;
            for (int k = b.lane; k < width; k += 32) {
                dot += lstm_relu(input[x + k]) * w[wm + k] + lstm_relu(recurrent[x + k]) * w[wm + width + k];
            }
            dot = lstm_warp_sum(dot);
            if (b.lane == 0) score[m] = dot;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            float mx = -INFINITY;
            for (int m = 0; m < modules; m++) {
                mx = fmaxf(mx, score[m]);
                if (logits != nullptr) logits[row * modules + m] = score[m];
            }
            float sum = 0.0f;
            for (int m = 0; m < modules; m++) {
                score[m] = expf(score[m] - mx);
                sum += score[m];
            }
            const float inv = 1.0f / sum;
            for (int m = 0; m < modules; m++) {
                score[m] *= inv;
                scores[row * modules + m] = score[m];
            }
        }
    } else {
        lstm_given_scores(score, scores, row, modules);
    }
    __syncthreads(); // score is the row's
    for (int j = threadIdx.x; j < hidden; j += blockDim.x) {
        const float cp = prev[j];
        float hSum = 0.0f, cSum = 0.0f;
        for (int m = 0; m < modules; m++) {
            const int g = pre + m * width + j;
            const float ig = lstm_sigmoid(input[g + at.i] + recurrent[g + at.i]);
            const float fg = lstm_sigmoid(input[g + at.f] + recurrent[g + at.f]);
            const float og = lstm_sigmoid(input[g + at.o] + recurrent[g + at.o]);
            const float gg = tanhf(input[g + at.g] + recurrent[g + at.g]);
            gates[g + at.i] = ig;
            gates[g + at.f] = fg;
            gates[g + at.o] = og;
            gates[g + at.g] = gg;
            const float cell = fg * cp + ig * gg;
            cells[(row * modules + m) * hidden + j] = cell;
            hSum += score[m] * (og * tanhf(cell));
            cSum += score[m] * cell;
        }
        h[row * hidden + j] = hSum;
        c[row * hidden + j] = cSum;
    }
    __syncthreads(); // score may be the next row's
}

// For each (replica r, row i): lstm_forward_row.
// grid (min(rep * rows, 65535)), block 32 to 32 * LSTM_WARPS. Bound to 4 blocks per SM (64 registers): without it
// ptxas for sm_80 spilled 8 bytes at 40 registers.
extern "C" __global__ void __launch_bounds__(32 * LSTM_WARPS, 4)
lstm_cell_forward(int rep, int rows, int rowsPerReplica, int modules, int hidden, int torchGateOrder,
                  const float* __restrict__ input, const float* __restrict__ recurrent,
                  const float* __restrict__ scorer, int scorerStride, float* __restrict__ scores,
                  const float* __restrict__ cPrev, int cPrevStride, float* __restrict__ gates,
                  float* __restrict__ cells, float* __restrict__ h, float* __restrict__ c, float* __restrict__ logits) {
    __shared__ float score[LSTM_MAX_MODULES]; // the row's s_m (its logits first, with a scorer)
    const LstmBlock b = lstm_block(modules, hidden, torchGateOrder);
    for (int item = blockIdx.x; item < rep * rows; item += gridDim.x) {
        const LstmItem it = lstm_item(item, rows, rowsPerReplica);
        lstm_forward_row(b, score, it.row, modules, hidden, input, recurrent,
                         lstm_replica(scorer, it.r, scorerStride), scores,
                         cPrev + it.r * cPrevStride + it.i * hidden, gates, cells, h, c, logits);
    }
}

// One gate's pre-activation gradient d at column k of gradInput and gradRecurrent (both d, plus dl w where the
// input, the recurrent part, is positive, with a scorer w), and the row's scorer weight gradients at column wk of
// its (R, 8h) row (input part) and wk + width (recurrent part); w and wRows are null without a scorer.
__device__ __forceinline__ void lstm_gate_backward(int k, int wk, int width, float d, float dl,
                                                   const float* __restrict__ input,
                                                   const float* __restrict__ recurrent, const float* __restrict__ w,
                                                   float* __restrict__ gradInput, float* __restrict__ gradRecurrent,
                                                   float* __restrict__ wRows) {
    float dIn = d, dRec = d;
    if (w != nullptr) {
        const float x = input[k], y = recurrent[k];
        if (x > 0.0f) dIn += dl * w[wk];
        if (y > 0.0f) dRec += dl * w[wk + width];
        wRows[wk] = dl * lstm_relu(x);
        wRows[wk + width] = dl * lstm_relu(y);
    }
    gradInput[k] = dIn;
    gradRecurrent[k] = dRec;
}

// One row's backward: row its index in the per-row tensors, w its replica's scorer (null: none), prev its c_prev,
// cPrevGrad its gradCPrev (null: not wanted), wRows its (R, 8h) scorer weight gradients (null without a scorer):
//   warp per module: ds_m = sum_j dh_j hNew_mj + dc_j cNew_mj (hNew from the stored o and cNew), into gradScores;
//   with a scorer, one thread: dl_m = s_m (ds_m - sum_m s_m ds_m) (softmax backward), plus gradLogits_m when not null;
//   thread per j, module by module: dhNew = s dh, dcNew = s dc + dhNew o (1 - tanh^2 cNew), the four gate gradients
//   into gradInput and gradRecurrent (plus dl_m w_m where input_m, recurrent_m > 0, with a scorer), the row's scorer
//   weight gradients dl_m relu(input_m, recurrent_m) into wRows, and cPrevGrad = sum_m dcNew_m f_m.
// score, grad: the block's shared (R); every thread of the block calls it, and may reuse them once it returns. No
// pointer is __restrict__, as in lstm_forward_row; lstm_gate_backward's are, and it only reads what no thread
// writes in the launch (input, recurrent, w) and only writes the rest.
__device__ __forceinline__ void lstm_backward_row(const LstmBlock& b, float* score, float* grad, int row, int modules,
                                                  int hidden, const float* input, const float* recurrent,
                                                  const float* w, const float* scores, const float* prev,
                                                  const float* gates, const float* cells, const float* gradH,
                                                  const float* gradC, const float* gradLogits, float* cPrevGrad,
                                                  float* gradInput, float* gradRecurrent, float* gradScores,
                                                  float* wRows) {
    const int width = b.width;
    const LstmGates at = b.at;
    const int pre = row * b.gateWidth, state = row * hidden;
    for (int m = b.warp; m < modules; m += b.warps) {
        float ds = 0.0f;
        for (int j = b.lane; j < hidden; j += 32) {
            const float cell = cells[(row * modules + m) * hidden + j];
            const float hNew = gates[pre + m * width + at.o + j] * tanhf(cell);
            ds += gradH[state + j] * hNew + gradC[state + j] * cell;
        }
        ds = lstm_warp_sum(ds);
        if (b.lane == 0) {
            grad[m] = ds;
            if (gradScores != nullptr) gradScores[row * modules + m] = ds;
        }
    }
    lstm_given_scores(score, scores, row, modules);
    __syncthreads(); // grad and score are the row's
    if (w != nullptr) {
        if (threadIdx.x == 0) {
            float dot = 0.0f;
            for (int m = 0; m < modules; m++) dot += score[m] * grad[m];
            for (int m = 0; m < modules; m++) {
                grad[m] = score[m] * (grad[m] - dot);
                if (gradLogits != nullptr) grad[m] += gradLogits[row * modules + m];
            }
        }
        __syncthreads();
    }
    for (int j = threadIdx.x; j < hidden; j += blockDim.x) {
        const float dh = gradH[state + j], dc = gradC[state + j], cp = prev[j];
        float dcPrev = 0.0f;
        for (int m = 0; m < modules; m++) {
            const int g = pre + m * width + j; // unit j of module m in the row's (R, 4h)
            const float s = score[m];
            const float ig = gates[g + at.i], fg = gates[g + at.f], og = gates[g + at.o], gg = gates[g + at.g];
            const float tc = tanhf(cells[(row * modules + m) * hidden + j]);
            const float dhNew = s * dh;
            const float dcNew = s * dc + dhNew * og * (1.0f - tc * tc);
            const int wk = 2 * m * width + j; // unit j's column in the scorer's (R, 8h)
            const float dl = w == nullptr ? 0.0f : grad[m];
            lstm_gate_backward(g + at.i, wk + at.i, width, dcNew * gg * ig * (1.0f - ig), dl, input, recurrent, w,
                               gradInput, gradRecurrent, wRows);
            lstm_gate_backward(g + at.f, wk + at.f, width, dcNew * cp * fg * (1.0f - fg), dl, input, recurrent, w,
                               gradInput, gradRecurrent, wRows);
            lstm_gate_backward(g + at.o, wk + at.o, width, dhNew * tc * og * (1.0f - og), dl, input, recurrent, w,
                               gradInput, gradRecurrent, wRows);
            lstm_gate_backward(g + at.g, wk + at.g, width, dcNew * ig * (1.0f - gg * gg), dl, input, recurrent, w,
                               gradInput, gradRecurrent, wRows);
            dcPrev += dcNew * fg;
        }
        if (cPrevGrad != nullptr) cPrevGrad[j] = dcPrev;
    }
    __syncthreads(); // score and grad may be the next row's
}

// For each (replica r, row i): lstm_backward_row, the row's scorer weight gradients at row i of replica r's
// scorerRows (rows, R, 8h), at r * scorerRowsStride. gradLogits, gradScores, gradCPrev and (without a scorer)
// scorerRows may be null. grid and block as lstm_cell_forward.
extern "C" __global__ void __launch_bounds__(32 * LSTM_WARPS)
lstm_cell_backward(int rep, int rows, int rowsPerReplica, int modules, int hidden, int torchGateOrder,
                   const float* __restrict__ input, const float* __restrict__ recurrent,
                   const float* __restrict__ scorer, int scorerStride, const float* __restrict__ scores,
                   const float* __restrict__ cPrev, int cPrevStride, const float* __restrict__ gates,
                   const float* __restrict__ cells, const float* __restrict__ gradH, const float* __restrict__ gradC,
                   const float* __restrict__ gradLogits, float* __restrict__ gradCPrev, int gradCPrevStride,
                   float* __restrict__ gradInput, float* __restrict__ gradRecurrent, float* __restrict__ gradScores,
                   float* __restrict__ scorerRows, int scorerRowsStride) {
    __shared__ float score[LSTM_MAX_MODULES]; // the row's s_m
    __shared__ float grad[LSTM_MAX_MODULES];  // ds_m, then dl_m with a scorer
    const LstmBlock b = lstm_block(modules, hidden, torchGateOrder);
    for (int item = blockIdx.x; item < rep * rows; item += gridDim.x) {
        const LstmItem it = lstm_item(item, rows, rowsPerReplica);
        lstm_backward_row(b, score, grad, it.row, modules, hidden, input, recurrent,
                          lstm_replica(scorer, it.r, scorerStride), scores,
                          cPrev + it.r * cPrevStride + it.i * hidden, gates, cells, gradH, gradC, gradLogits,
                          gradCPrev == nullptr ? nullptr : gradCPrev + it.r * gradCPrevStride + it.i * hidden,
                          gradInput, gradRecurrent, gradScores,
                          scorerRows == nullptr ? nullptr
                                                : scorerRows + it.r * scorerRowsStride + it.i * 2 * b.gateWidth);
    }
}

// Item (replica r, sequences e0 .. e0 + count - 1) of a window kernel's loop: LSTM_WINDOW_SEQUENCES sequences a
// block, the last group of a replica perhaps fewer, so that a block reads each recurrent weight once for them all;
// wHh and w: the replica's weight_hh and scorer (null: none)
struct LstmWindowItem {
    int r, e0, count;
    const float* wHh;
    const float* w;
};

__device__ __forceinline__ int lstm_window_groups(int examples) {
    return (examples + LSTM_WINDOW_SEQUENCES - 1) / LSTM_WINDOW_SEQUENCES;
}

__device__ __forceinline__ LstmWindowItem lstm_window_item(int item, int examples, const float* weightHh,
                                                           const float* scorer, int paramStride) {
    const int groups = lstm_window_groups(examples);
    const int r = item / groups, e0 = item % groups * LSTM_WINDOW_SEQUENCES;
    return LstmWindowItem{r, e0, min(LSTM_WINDOW_SEQUENCES, examples - e0), weightHh + r * paramStride,
                          lstm_replica(scorer, r, paramStride)};
}

// The arguments both window kernels start with: the window's shape, its per-row tensors, parameters and state
#define LSTM_WINDOW_PARAMS                                                                                            \
    int rep, int examples, int steps, int modules, int hidden, int torchGateOrder, const float* __restrict__ input,   \
        float* recurrent, const float* __restrict__ weightHh, const float* __restrict__ biasHh,                       \
        const float* __restrict__ scorer, int paramStride, float* scores, const float* hInit, float* cInit,           \
        float* gates, float* cells, float* h, float* c

// A whole window of steps, forward, for each (replica r, sequence e): rows are time-major, step t of the sequence at
// row = r * steps * E + t * E + e of the per-row tensors (input, recurrent, gates (rows, R, 4h), cells (rows, R, h),
// scores, logits (rows, R), h and c (rows, h)); hInit and cInit (E, h) per replica hold the state before step 0.
// Step by step, t = 0 .. steps - 1:
//   recurrent[row] = hPrev . weightHh^T (+ biasHh): thread per gate column n, k in increasing order; hPrev is the zero
//   state at t = 0 when fromZero (the bias alone), hInit's row at t = 0 otherwise, h[row - E] after;
//   then lstm_forward_row with c_prev cInit's row at t = 0, c[row - E] after.
// fromZero also zeroes the sequence's row of cInit first (the state before step 0). weightHh (4Rh, h), biasHh (4Rh,
// null: none) and scorer (R, 8h, null: none) of replica r at r * paramStride. A block takes the sequences of one
// LstmWindowItem: grid (min(rep * ceil(E / LSTM_WINDOW_SEQUENCES), 65535)), block as lstm_cell_forward. The CPU's
// order: ops.LstmWindowForward's parts, a product and a cell step per step.
extern "C" __global__ void __launch_bounds__(32 * LSTM_WARPS, 4)
lstm_window_forward(LSTM_WINDOW_PARAMS, int fromZero, float* logits) {
    __shared__ float score[LSTM_MAX_MODULES];
    const LstmBlock b = lstm_block(modules, hidden, torchGateOrder);
    const int rows = steps * examples;
    for (int item = blockIdx.x; item < rep * lstm_window_groups(examples); item += gridDim.x) {
        const LstmWindowItem it = lstm_window_item(item, examples, weightHh, scorer, paramStride);
        const float* bHh = lstm_replica(biasHh, it.r, paramStride);
        float* init = cInit + (it.r * examples + it.e0) * hidden; // the item's sequences' rows, one after the other
        if (fromZero) {
            for (int j = threadIdx.x; j < it.count * hidden; j += blockDim.x) init[j] = 0.0f;
        }
        for (int t = 0; t < steps; t++) {
            const int row0 = it.r * rows + t * examples + it.e0; // the item's rows of step t, one after the other
            const float* hPrev = t > 0 ? h + (row0 - examples) * hidden
                                       : fromZero ? nullptr : hInit + (it.r * examples + it.e0) * hidden;
            for (int n = threadIdx.x; n < b.gateWidth; n += blockDim.x) {
                float acc[LSTM_WINDOW_SEQUENCES];
#pragma unroll
                for (int s = 0; s < LSTM_WINDOW_SEQUENCES; s++) acc[s] = 0.0f;
                if (hPrev != nullptr) {
                    const float* wn = it.wHh + n * hidden;
                    for (int k = 0; k < hidden; k++) {
                        const float wk = wn[k];
#pragma unroll
                        for (int s = 0; s < LSTM_WINDOW_SEQUENCES; s++) {
                            if (s < it.count) acc[s] = fmaf(hPrev[s * hidden + k], wk, acc[s]);
                        }
                    }
                }
#pragma unroll
                for (int s = 0; s < LSTM_WINDOW_SEQUENCES; s++) {
                    if (s < it.count) {
                        recurrent[(row0 + s) * b.gateWidth + n] = bHh == nullptr ? acc[s] : acc[s] + bHh[n];
                    }
                }
            }
            __syncthreads(); // the rows' recurrent parts are written
            for (int s = 0; s < it.count; s++) {
                const int row = row0 + s;
                lstm_forward_row(b, score, row, modules, hidden, input, recurrent, it.w, scores,
                                 t > 0 ? c + (row - examples) * hidden : init + s * hidden, gates, cells, h, c, logits);
            }
        }
    }
}

// A whole window of steps, backward, for each (replica r, sequence e), rows as lstm_window_forward's, which ran from
// the zero state. Zeroes the sequence's gradC row of the last step (no gradient comes from beyond the window), then
// step by step, t = steps - 1 .. 0:
//   lstm_backward_row with c_prev cInit's row at t = 0, c[row - E] after, its gradCPrev gradC[row - E] (none at t = 0)
//   and its scorer weight gradients into scorerRows' row (rows, R, 8h per row), for the caller to sum;
//   at t > 0: gradH[row - E] += gradRecurrent[row] . weightHh (thread per unit k, gate columns n in increasing order).
// gradLogits, gradScores and (without a scorer) scorerRows may be null; biasHh, hInit and h are not read. grid and
// block as lstm_window_forward. Bound to 2 blocks per SM (128 registers): at 4, ptxas for sm_80 spilled 12 bytes at
// 64 registers.
extern "C" __global__ void __launch_bounds__(32 * LSTM_WARPS, 2)
lstm_window_backward(LSTM_WINDOW_PARAMS, float* gradH, float* gradC, const float* __restrict__ gradLogits,
                     float* gradInput, float* gradRecurrent, float* gradScores, float* scorerRows) {
    __shared__ float score[LSTM_MAX_MODULES];
    __shared__ float grad[LSTM_MAX_MODULES];
    const LstmBlock b = lstm_block(modules, hidden, torchGateOrder);
    const int rows = steps * examples;
    for (int item = blockIdx.x; item < rep * lstm_window_groups(examples); item += gridDim.x) {
        const LstmWindowItem it = lstm_window_item(item, examples, weightHh, scorer, paramStride);
        float* lastC = gradC + (it.r * rows + (steps - 1) * examples + it.e0) * hidden;
        for (int j = threadIdx.x; j < it.count * hidden; j += blockDim.x) lastC[j] = 0.0f;
        __syncthreads(); // the last step's gradC rows are zero
        for (int t = steps - 1; t >= 0; t--) {
            const int row0 = it.r * rows + t * examples + it.e0;
            for (int s = 0; s < it.count; s++) {
                const int row = row0 + s, before = (row - examples) * hidden; // the previous step's row, t > 0
                lstm_backward_row(b, score, grad, row, modules, hidden, input, recurrent, it.w, scores,
                                  t > 0 ? c + before : cInit + (it.r * examples + it.e0 + s) * hidden, gates, cells,
                                  gradH, gradC, gradLogits, t > 0 ? gradC + before : nullptr, gradInput,
                                  gradRecurrent, gradScores,
                                  scorerRows == nullptr ? nullptr : scorerRows + row * 2 * b.gateWidth);
            }
            if (t == 0) break;
            const float* dRec = gradRecurrent + row0 * b.gateWidth; // the item's rows, one after the other
            float* dhPrev = gradH + (row0 - examples) * hidden;
            for (int k = threadIdx.x; k < hidden; k += blockDim.x) {
                float acc[LSTM_WINDOW_SEQUENCES];
#pragma unroll
                for (int s = 0; s < LSTM_WINDOW_SEQUENCES; s++) acc[s] = 0.0f;
                for (int n = 0; n < b.gateWidth; n++) {
                    const float wk = it.wHh[n * hidden + k];
#pragma unroll
                    for (int s = 0; s < LSTM_WINDOW_SEQUENCES; s++) {
                        if (s < it.count) acc[s] = fmaf(dRec[s * b.gateWidth + n], wk, acc[s]);
                    }
                }
#pragma unroll
                for (int s = 0; s < LSTM_WINDOW_SEQUENCES; s++) {
                    if (s < it.count) dhPrev[s * hidden + k] += acc[s];
                }
            }
            __syncthreads(); // the previous step's gradH rows are whole
        }
    }
}
