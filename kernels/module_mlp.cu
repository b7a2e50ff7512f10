// A dense module MLP, every module on every row, in one launch each way: the CUDA launches of ops.ModuleMlpForward and
// ModuleMlpBackward (CPU reference: their parts, the products, softmax and scalings of nn.ModuleMlp one by one).
// Per row of a replica, R modules of H hidden units (RH = R H), output width D, w2 and b2 rows width2 wide (D, or D + 1
// with the modules' own score unit in column D):
//   h[c] = relu(x_m . w1_m[:, j] + b1[c])            c = m H + j; x_m the row's x (in), or its module block m
//   logits[m] = h_m . w2[m H .. m H + H)[D] + b2[m][D] (self-scored), scores = softmax(logits); else scores given
//   scaledHidden[c] = scores[m] h[c]
//   output[d] = scaledHidden . w2[:, d] + scores . b2[:, d]                   d < D
// and back, from gradOutput (D):
//   gradScaledHidden[c] = gradOutput . w2[c][0 .. D)
//   gradScores[m] = gradOutput . b2[m][0 .. D) + h_m . gradScaledHidden_m      (where the router takes a gradient)
//   gradLogits = scores * (gradScores - scores . gradScores)                     (self-scored)
//   gradH[c] = scores[m] gradScaledHidden[c] (+ gradLogits[m] w2[c][D]), 0 where h[c] <= 0 (a NaN h keeps it)
//   gradInput = sum over c of gradH[c] w1_m[:, j] (shared input), or module block m's sum over j
// The weight gradients are products over the rows, launched after (ModuleMlpBackward).
// The parameters w1 (R, in, H), b1 (RH), w2 (RH, width2) and b2 (R, width2) of replica r at r * paramStride; the
// per-row tensors contiguous, rows rows per replica. No output aliases an input.
// One block per MODULE_MLP_ROWS rows of one replica (items beyond gridDim.x loop), any multiple of 32 threads; a thread
// computes one column for every row of the block, each sum in increasing k, so its sums never depend on the block's
// size. The block's rows of x or gradOutput, of h or gradScaledHidden, and of the scores sit in shared memory: widths
// within MODULE_MLP_MAX_WIDTH and R within MODULE_MLP_MAX_MODULES (ops.DenseModules.fuses checks).

#include "launch.h"

// The block's rows: replica r, rows row0 .. row0 + count - 1
struct ModuleMlpItem {
    int r, row0, count;
};

__device__ __forceinline__ ModuleMlpItem module_mlp_item(int item, int rows) {
    const int tiles = (rows + MODULE_MLP_ROWS - 1) / MODULE_MLP_ROWS;
    const int r = item / tiles, row0 = (item % tiles) * MODULE_MLP_ROWS;
    return ModuleMlpItem{r, row0, min(MODULE_MLP_ROWS, rows - row0)};
}

// max(x, 0) as Java's Math.max: a NaN stays NaN
__device__ __forceinline__ float module_mlp_relu(float x) {
    return x < 0.0f ? 0.0f : x;
}

// Copies the item's rows of a per-row tensor (width floats a row, replica r's rows rows) into the block's tile
__device__ __forceinline__ void module_mlp_load(float* tile, const float* src, ModuleMlpItem it, int rows, int width) {
    const float* from = src + ((long long)it.r * rows + it.row0) * width;
    for (int k = threadIdx.x; k < it.count * width; k += blockDim.x) tile[k] = from[k];
}

// The arguments both kernels start with: the shape and the parameters
#define MODULE_MLP_PARAMS                                                                                             \
    int rep, int rows, int modules, int in, int hidden, int dim, int width2, int sharedInput,                        \
        const float* __restrict__ w1, const float* __restrict__ b1, const float* __restrict__ w2,                     \
        const float* __restrict__ b2, int paramStride

// The forward above for every replica's rows. x (rows, in) or (rows, R, in); h, scaledHidden (rows, RH); logits and
// scores (rows, R): logits null takes the scores as given, else writes both; output (rows, D). Grid (min(rep *
// ceil(rows / MODULE_MLP_ROWS), 65535)). The CPU's order: ops.ModuleMlpForward's parts.
extern "C" __global__ void __launch_bounds__(MODULE_MLP_THREADS, 2)
module_mlp_forward(MODULE_MLP_PARAMS, const float* __restrict__ x, float* __restrict__ h,
                   float* __restrict__ scaledHidden, float* __restrict__ logits, float* scores,
                   float* __restrict__ output) {
    __shared__ float xs[MODULE_MLP_ROWS * MODULE_MLP_MAX_WIDTH];     // the rows' x, then nothing
    __shared__ float hs[MODULE_MLP_ROWS * MODULE_MLP_MAX_WIDTH];     // h, then scaledHidden
    __shared__ float ss[MODULE_MLP_ROWS * MODULE_MLP_MAX_MODULES];   // the scores (logits first when self-scored)
    const int rh = modules * hidden, xw = sharedInput ? in : modules * in;
    const int tiles = (rows + MODULE_MLP_ROWS - 1) / MODULE_MLP_ROWS;
    for (int item = blockIdx.x; item < rep * tiles; item += gridDim.x) {
        const ModuleMlpItem it = module_mlp_item(item, rows);
        const long long row0 = (long long)it.r * rows + it.row0; // the item's first row of the per-row tensors
        const float* pw1 = w1 + (long long)it.r * paramStride;
        const float* pb1 = b1 + (long long)it.r * paramStride;
        const float* pw2 = w2 + (long long)it.r * paramStride;
        const float* pb2 = b2 + (long long)it.r * paramStride;
        module_mlp_load(xs, x, it, rows, xw);
        if (logits == nullptr) module_mlp_load(ss, scores, it, rows, modules);
        __syncthreads();
        for (int c = threadIdx.x; c < rh; c += blockDim.x) {
            const int m = c / hidden, j = c % hidden;
            const float* w1m = pw1 + m * in * hidden; // module m's (in, H)
            const float* xm = xs + (sharedInput ? 0 : m * in);
            float acc[MODULE_MLP_ROWS];
#pragma unroll
            for (int t = 0; t < MODULE_MLP_ROWS; t++) acc[t] = 0.0f;
            for (int i = 0; i < in; i++) {
                const float wi = w1m[i * hidden + j];
#pragma unroll
                for (int t = 0; t < MODULE_MLP_ROWS; t++) {
                    if (t < it.count) acc[t] = fmaf(xm[t * xw + i], wi, acc[t]);
                }
            }
            for (int t = 0; t < it.count; t++) {
                const float v = module_mlp_relu(acc[t] + pb1[c]);
                hs[t * rh + c] = v;
                h[(row0 + t) * rh + c] = v;
            }
        }
        __syncthreads();
        if (logits != nullptr) {
            for (int p = threadIdx.x; p < it.count * modules; p += blockDim.x) {
                const int t = p / modules, m = p % modules;
                float acc = 0.0f;
                for (int j = 0; j < hidden; j++) acc = fmaf(hs[t * rh + m * hidden + j], pw2[(m * hidden + j) * width2 + dim], acc);
                const float l = acc + pb2[m * width2 + dim];
                ss[t * modules + m] = l;
                logits[(row0 + t) * modules + m] = l;
            }
            __syncthreads();
            for (int t = threadIdx.x; t < it.count; t += blockDim.x) { // softmax.cu's, one thread a row
                float* s = ss + t * modules;
                float mx = -INFINITY;
                for (int m = 0; m < modules; m++) mx = fmaxf(mx, s[m]);
                float sum = 0.0f;
                for (int m = 0; m < modules; m++) {
                    s[m] = expf(s[m] - mx);
                    sum += s[m];
                }
                const float inv = 1.0f / sum;
                for (int m = 0; m < modules; m++) {
                    s[m] *= inv;
                    scores[(row0 + t) * modules + m] = s[m];
                }
            }
            __syncthreads();
        }
        for (int k = threadIdx.x; k < it.count * rh; k += blockDim.x) {
            const float v = ss[(k / rh) * modules + (k % rh) / hidden] * hs[k];
            hs[k] = v;
            scaledHidden[row0 * rh + k] = v;
        }
        __syncthreads();
        for (int d = threadIdx.x; d < dim; d += blockDim.x) {
            float acc[MODULE_MLP_ROWS], bias[MODULE_MLP_ROWS];
#pragma unroll
            for (int t = 0; t < MODULE_MLP_ROWS; t++) acc[t] = bias[t] = 0.0f;
            for (int c = 0; c < rh; c++) {
                const float wc = pw2[c * width2 + d];
#pragma unroll
                for (int t = 0; t < MODULE_MLP_ROWS; t++) {
                    if (t < it.count) acc[t] = fmaf(hs[t * rh + c], wc, acc[t]);
                }
            }
            for (int m = 0; m < modules; m++) {
                const float bm = pb2[m * width2 + d];
#pragma unroll
                for (int t = 0; t < MODULE_MLP_ROWS; t++) {
                    if (t < it.count) bias[t] = fmaf(ss[t * modules + m], bm, bias[t]);
                }
            }
            for (int t = 0; t < it.count; t++) output[(row0 + t) * dim + d] = acc[t] + bias[t];
        }
        __syncthreads(); // the tiles are read before the next item's loads
    }
}

// The backward above for every replica's rows, from gradOutput (rows, D), with scores and h (rows, RH) of the forward.
// Writes gradScaledHidden and gradH (rows, RH); gradScores (rows, R) unless null; gradLogits (rows, R) unless null
// (self-scored: then gradScores is not null); gradInput (rows, in) or (rows, R, in) unless null. Grid as the
// forward's. The CPU's order: ops.ModuleMlpBackward's parts.
extern "C" __global__ void __launch_bounds__(MODULE_MLP_THREADS, 2)
module_mlp_backward(MODULE_MLP_PARAMS, const float* __restrict__ scores, const float* __restrict__ h,
                    const float* __restrict__ gradOutput, float* __restrict__ gradScaledHidden,
                    float* __restrict__ gradScores, float* __restrict__ gradLogits, float* __restrict__ gradH,
                    float* __restrict__ gradInput) {
    __shared__ float dys[MODULE_MLP_ROWS * MODULE_MLP_MAX_WIDTH];    // the rows' gradOutput
    __shared__ float dhs[MODULE_MLP_ROWS * MODULE_MLP_MAX_WIDTH];    // gradScaledHidden, then gradH
    __shared__ float ss[MODULE_MLP_ROWS * MODULE_MLP_MAX_MODULES];   // the scores
    __shared__ float dls[MODULE_MLP_ROWS * MODULE_MLP_MAX_MODULES];  // gradScores, then gradLogits
    const int rh = modules * hidden, xw = sharedInput ? in : modules * in;
    const int tiles = (rows + MODULE_MLP_ROWS - 1) / MODULE_MLP_ROWS;
    for (int item = blockIdx.x; item < rep * tiles; item += gridDim.x) {
        const ModuleMlpItem it = module_mlp_item(item, rows);
        const long long row0 = (long long)it.r * rows + it.row0;
        const float* pw1 = w1 + (long long)it.r * paramStride;
        const float* pw2 = w2 + (long long)it.r * paramStride;
        const float* pb2 = b2 + (long long)it.r * paramStride;
        const float* hr = h + row0 * rh;
        module_mlp_load(dys, gradOutput, it, rows, dim);
        module_mlp_load(ss, scores, it, rows, modules);
        __syncthreads();
        for (int c = threadIdx.x; c < rh; c += blockDim.x) {
            float acc[MODULE_MLP_ROWS];
#pragma unroll
            for (int t = 0; t < MODULE_MLP_ROWS; t++) acc[t] = 0.0f;
            const float* wc = pw2 + c * width2;
            for (int d = 0; d < dim; d++) {
                const float wd = wc[d];
#pragma unroll
                for (int t = 0; t < MODULE_MLP_ROWS; t++) {
                    if (t < it.count) acc[t] = fmaf(dys[t * dim + d], wd, acc[t]);
                }
            }
            for (int t = 0; t < it.count; t++) {
                dhs[t * rh + c] = acc[t];
                gradScaledHidden[(row0 + t) * rh + c] = acc[t];
            }
        }
        __syncthreads();
        if (gradScores != nullptr) {
            for (int p = threadIdx.x; p < it.count * modules; p += blockDim.x) {
                const int t = p / modules, m = p % modules;
                float viaBias = 0.0f, viaHidden = 0.0f;
                for (int d = 0; d < dim; d++) viaBias = fmaf(dys[t * dim + d], pb2[m * width2 + d], viaBias);
                for (int j = 0; j < hidden; j++) {
                    viaHidden = fmaf(hr[t * rh + m * hidden + j], dhs[t * rh + m * hidden + j], viaHidden);
                }
                const float ds = viaBias + viaHidden;
                dls[p] = ds;
                gradScores[(row0 + t) * modules + m] = ds;
            }
            __syncthreads();
        }
        if (gradLogits != nullptr) {
            for (int t = threadIdx.x; t < it.count; t += blockDim.x) { // softmax_rows_backward's, one thread a row
                const float* s = ss + t * modules;
                float* dl = dls + t * modules;
                float dot = 0.0f;
                for (int m = 0; m < modules; m++) dot = fmaf(s[m], dl[m], dot);
                for (int m = 0; m < modules; m++) {
                    dl[m] = s[m] * (dl[m] - dot);
                    gradLogits[(row0 + t) * modules + m] = dl[m];
                }
            }
            __syncthreads();
        }
        for (int k = threadIdx.x; k < it.count * rh; k += blockDim.x) {
            const int t = k / rh, m = (k % rh) / hidden;
            float g = ss[t * modules + m] * dhs[k];
            if (gradLogits != nullptr) g += dls[t * modules + m] * pw2[(k % rh) * width2 + dim];
            if (hr[k] <= 0.0f) g = 0.0f;
            dhs[k] = g;
            gradH[row0 * rh + k] = g;
        }
        __syncthreads();
        if (gradInput != nullptr) {
            for (int p = threadIdx.x; p < xw; p += blockDim.x) {
                const int i = p % in, m0 = sharedInput ? 0 : p / in, m1 = sharedInput ? modules : m0 + 1;
                float acc[MODULE_MLP_ROWS];
#pragma unroll
                for (int t = 0; t < MODULE_MLP_ROWS; t++) acc[t] = 0.0f;
                for (int m = m0; m < m1; m++) {
                    const float* w1m = pw1 + m * in * hidden;
                    for (int j = 0; j < hidden; j++) {
                        const float wj = w1m[i * hidden + j];
#pragma unroll
                        for (int t = 0; t < MODULE_MLP_ROWS; t++) {
                            if (t < it.count) acc[t] = fmaf(dhs[t * rh + m * hidden + j], wj, acc[t]);
                        }
                    }
                }
                for (int t = 0; t < it.count; t++) gradInput[(row0 + t) * xw + p] = acc[t];
            }
        }
        __syncthreads();
    }
}
