// Batches of the RNN task family (switching linear dynamics) drawn on the device: the CUDA twin of
// task.RnnTaskBatch (CPU reference: modarch.task.RnnTask.draw, which RnnTask.sample also uses). Bit for bit the
// same stream as the CPU: the Philox blocks, AS241 normals and rule draws of mlp_task.cu, every double operation
// rounded on its own (__dmul_rn, __dadd_rn: no fused multiply-add), the states in double from the stored floats,
// every sum in RnnTask's order.

// Defined in mlp_task.cu (see mha_task.cu: one translation unit for nvcc, files of their own on the emulated device).
__device__ void philox_block(unsigned c0, unsigned c1, unsigned c2, unsigned c3, unsigned k0, unsigned k1, unsigned out[4]);
__device__ double normal_of(unsigned word);
__device__ int rule_of(unsigned w, unsigned lo, const double* probabilities, int rules);

// Word w of sequence e: lane w % 4 of the Philox block of counter (e, batch lo, batch hi, w / 4), key (key0, key1).
__device__ __forceinline__ unsigned rnn_word(unsigned key0, unsigned key1, unsigned e, unsigned lo, unsigned hi,
                                             unsigned w) {
    unsigned lanes[4];
    philox_block(e, lo, hi, w >> 2, key0, key1, lanes);
    unsigned lane = w & 3u; // a select, not an indexed load: lanes stays in registers
    return lane == 0 ? lanes[0] : lane == 1 ? lanes[1] : lane == 2 ? lanes[2] : lanes[3];
}

// Sequence e of replica r: Philox key (seeds[r], streamId), words as rnn_word. Step t reads words from
// base = t (dim + 2): feature f = normal(base + f) times scale, rounded to float; the rule is below(word base + dim,
// rules) or by probabilities (null: uniform) of uniform53(words base + dim, base + dim + 1). The state, in double
// from the stored floats: s_t[j] = (sum_i x_t[i] B[c][i][j]) + (sum_i s_{t-1}[i] A[c][0][i][j]) + ... for the
// orders o with t - o >= 0, each sum from 0.0 with i ascending; regression labels s_t (rounded to float),
// classification 1 if (sum_j s_t[j] w[j], j ascending) >= 0, else 0.
// seeds (rep), batchIndex (2: low, high word), coefficients (rep, R order dim dim + R dim dim + dim) doubles: A
// (R, order, dim, dim), B (R, dim, dim), w (dim); probabilities (rules) or null; inputs (rep, examples * length, dim),
// ruleOut (rep, examples * length), labels (rep, examples * length, dim or 1).
// One block per (r, e), block-striding; thread j < dim owns state element j (blockDim: dim rounded up to a warp).
// Dynamic shared memory: (order + 2) dim doubles, x_t then order + 1 state slots (s_t in slot t % (order + 1), so
// a step overwrites none of the states it reads).
extern "C" __global__ void rnn_task_batch(int rep, int examples, int length, int rules, int dim, int order,
                                          int classification, const int* __restrict__ seeds, int streamId,
                                          const int* __restrict__ batchIndex, double scale,
                                          const double* __restrict__ coefficients,
                                          const double* __restrict__ probabilities,
                                          float* __restrict__ inputs, int* __restrict__ ruleOut,
                                          float* __restrict__ labels) {
    extern __shared__ double rnn_shared[];
    __shared__ int stepRule;
    double* xs = rnn_shared;           // (dim) x_t
    double* states = rnn_shared + dim; // (order + 1, dim) state slots
    const int j = (int)threadIdx.x, slots = order + 1;
    const size_t dd = (size_t)dim * dim;
    const size_t perReplica = (size_t)rules * slots * dd + dim;
    const unsigned total = (unsigned)rep * examples; // fits: the outputs are int-indexed Java buffers
    const unsigned lo = (unsigned)batchIndex[0], hi = (unsigned)batchIndex[1], key1 = (unsigned)streamId;
    for (unsigned idx = blockIdx.x; idx < total; idx += gridDim.x) { // uniform over the block
        const int r = (int)(idx / examples);
        const unsigned e = idx % examples, key0 = (unsigned)seeds[r];
        const double* A = coefficients + (size_t)r * perReplica;
        const double* B = A + (size_t)rules * order * dd;
        const double* w = B + (size_t)rules * dd;
        const size_t row0 = (size_t)idx * length;
        for (int t = 0; t < length; t++) {
            const unsigned base = (unsigned)t * (unsigned)(dim + 2);
            const size_t row = row0 + t;
            if (j < dim) {
                float v = (float)__dmul_rn(scale, normal_of(rnn_word(key0, key1, e, lo, hi, base + j)));
                inputs[row * dim + j] = v;
                xs[j] = (double)v;
            }
            if (j == 0) {
                unsigned word = rnn_word(key0, key1, e, lo, hi, base + dim);
                unsigned next = probabilities == nullptr ? 0u : rnn_word(key0, key1, e, lo, hi, base + dim + 1);
                int c = rule_of(word, next, probabilities, rules);
                ruleOut[row] = c;
                stepRule = c;
            }
            __syncthreads(); // x_t and the rule are in
            if (j < dim) {
                const int c = stepRule;
                const double* b = B + (size_t)c * dd + j;
                double acc = 0.0;
                for (int i = 0; i < dim; i++) acc = __dadd_rn(acc, __dmul_rn(xs[i], b[(size_t)i * dim]));
                const double* a = A + (size_t)c * order * dd + j;
                for (int o = 1; o <= order && t - o >= 0; o++, a += dd) {
                    const double* s = states + ((t - o) % slots) * dim;
                    double sum = 0.0;
                    for (int i = 0; i < dim; i++) sum = __dadd_rn(sum, __dmul_rn(s[i], a[(size_t)i * dim]));
                    acc = __dadd_rn(acc, sum);
                }
                states[(t % slots) * dim + j] = acc;
                if (!classification) labels[row * dim + j] = (float)acc;
            }
            __syncthreads(); // s_t is in; x_t and the rule are free for step t + 1
            if (classification && j == 0) {
                const double* s = states + (t % slots) * dim;
                double y = 0.0;
                for (int i = 0; i < dim; i++) y = __dadd_rn(y, __dmul_rn(s[i], w[i]));
                labels[row] = y >= 0.0 ? 1.0f : 0.0f;
            }
        }
    }
}
