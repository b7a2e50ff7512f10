// One fused step of R LSTM cells sharing their state (the reference's GroupLSTMCell; nn.LSTMCell for R = 1 without
// scores), forward and backward: the CUDA launches of ops.LstmCellForward / LstmCellBackward (CPU reference:
// ScalarLstmCell). Per row of a replica:
//   input, recurrent, gates, gradInput, gradRecurrent (R, 4h): module m's gate blocks at 4 m h, in the order i, f, o, g
//   (ifog) or nn.LSTMCell's i, f, g, o; cells (R, h); scores, logits, gradLogits, gradScores (R); h, c, gradH,
//   gradC (h); scorer (R, 8h) per replica; c_prev, gradCPrev (rows, h) per replica; scorerRows (rep, rows, R, 8h).
// Pointers arrive offset to row row0 of replica 0 (per-row tensors, rowsPerReplica rows per replica), to replica 0's
// scorer and c_prev; scorerRows' row i of replica r is at (r * rows + i). No output aliases an input.
// One block per (replica, row) item (items beyond gridDim.x loop), LSTM_WARPS warps at most: a warp per module for
// the per-module dot products (lanes over k, a shuffle tree: deterministic), one thread for the R-wide softmax, then
// threads over the hidden units j, each looping over the modules in increasing order as the CPU. The scores of a row
// sit in shared memory: R <= LSTM_MAX_MODULES (CudaBackend checks). Sigmoid and tanh in float (expf, tanhf).

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

// score[m] = the row's given scores, or 1 where there are none (the block's threads over the modules)
__device__ __forceinline__ void lstm_given_scores(float* score, const float* scores, int row, int modules) {
    for (int m = threadIdx.x; m < modules; m += blockDim.x) {
        score[m] = scores == nullptr ? 1.0f : scores[row * modules + m];
    }
}

// For each (replica r, row i):
//   with a scorer: l_m = relu(input_m) . w_m[0, 4h) + relu(recurrent_m) . w_m[4h, 8h) (warp per module),
//   l into logits when not null, s = softmax(l) (max-subtracted, times 1 / sum) into scores; else s from scores, or 1
//   where scores is null (logits unused);
//   thread per j: gates = sigmoid / tanh of input + recurrent, cNew_m = f c_prev + i g, hNew_m = o tanh(cNew_m),
//   h = sum_m s_m hNew_m, c = sum_m s_m cNew_m.
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
    const int width = b.width;
    const LstmGates at = b.at;
    for (int item = blockIdx.x; item < rep * rows; item += gridDim.x) {
        const LstmItem it = lstm_item(item, rows, rowsPerReplica);
        const int row = it.row, pre = row * b.gateWidth; // module m's gates at pre + m * width
        if (scorer != nullptr) {
            const float* w = scorer + it.r * scorerStride;
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
        const float* prev = cPrev + it.r * cPrevStride + it.i * hidden;
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
        __syncthreads(); // score is the next row's
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

// For each (replica r, row i):
//   warp per module: ds_m = sum_j dh_j hNew_mj + dc_j cNew_mj (hNew from the stored o and cNew), into gradScores;
//   with a scorer, one thread: dl_m = s_m (ds_m - sum_m s_m ds_m) (softmax backward), plus gradLogits_m when not null;
//   thread per j, module by module: dhNew = s dh, dcNew = s dc + dhNew o (1 - tanh^2 cNew), the four gate gradients
//   into gradInput and gradRecurrent (plus dl_m w_m where input_m, recurrent_m > 0, with a scorer), the row's scorer
//   weight gradients dl_m relu(input_m, recurrent_m) into scorerRows, and gradCPrev = sum_m dcNew_m f_m.
// gradLogits, gradScores, gradCPrev and (without a scorer) scorerRows may be null. grid and block as
// lstm_cell_forward.
extern "C" __global__ void __launch_bounds__(32 * LSTM_WARPS)
lstm_cell_backward(int rep, int rows, int rowsPerReplica, int modules, int hidden, int torchGateOrder,
                   const float* __restrict__ input, const float* __restrict__ recurrent,
                   const float* __restrict__ scorer, int scorerStride, const float* __restrict__ scores,
                   const float* __restrict__ cPrev, int cPrevStride, const float* __restrict__ gates,
                   const float* __restrict__ cells, const float* __restrict__ gradH, const float* __restrict__ gradC,
                   const float* __restrict__ gradLogits, float* __restrict__ gradCPrev, int gradCPrevStride,
                   float* __restrict__ gradInput, float* __restrict__ gradRecurrent, float* __restrict__ gradScores,
                   float* __restrict__ scorerRows) {
    __shared__ float score[LSTM_MAX_MODULES]; // the row's s_m
    __shared__ float grad[LSTM_MAX_MODULES];  // ds_m, then dl_m with a scorer
    const LstmBlock b = lstm_block(modules, hidden, torchGateOrder);
    const int width = b.width;
    const LstmGates at = b.at;
    for (int item = blockIdx.x; item < rep * rows; item += gridDim.x) {
        const LstmItem it = lstm_item(item, rows, rowsPerReplica);
        const int row = it.row, pre = row * b.gateWidth, state = row * hidden;
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
        if (scorer != nullptr) {
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
        const float* w = scorer == nullptr ? nullptr : scorer + it.r * scorerStride;
        float* wRows = scorerRows == nullptr ? nullptr : scorerRows + item * 2 * b.gateWidth; // item = r * rows + i
        const float* prev = cPrev + it.r * cPrevStride + it.i * hidden;
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
            if (gradCPrev != nullptr) gradCPrev[it.r * gradCPrevStride + it.i * hidden + j] = dcPrev;
        }
        __syncthreads(); // score and grad are the next row's
    }
}
