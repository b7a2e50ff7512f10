// Batches of the MHA task family (search and retrieve) drawn on the device: the CUDA launch of task.MhaTaskBatch
// (CPU reference: modarch.task.MhaTask.draw, which MhaTask.sample also uses). Bit for bit the same stream as the
// CPU: the Philox blocks and AS241 normals of mlp_task.cu, every double operation rounded on its own (__dmul_rn,
// __dadd_rn, __ddiv_rn, __dsqrt_rn: no fused multiply-add), the searches and labels in double from the stored floats.

// Defined in mlp_task.cu. nvcc compiles every kernels/*.cu as one translation unit (bench/build-kernels.sh), where
// that file comes after this one; the emulated device compiles each file on its own and links them.
__device__ void philox_block(unsigned c0, unsigned c1, unsigned c2, unsigned c3, unsigned k0, unsigned k1, unsigned out[4]);
__device__ double normal_of(unsigned word);
__device__ int rule_of(unsigned w, unsigned lo, const double* probabilities, int rules);

// The Philox words of one sequence, read in increasing order: word w is lane w % 4 of the block of counter
// (sequence, batch lo, batch hi, w / 4); the current block is kept.
struct MhaWords {
    unsigned key0, key1, c0, c1, c2, block;
    unsigned lanes[4];
};

__device__ __forceinline__ unsigned mha_word(MhaWords& s, unsigned w) {
    if ((w >> 2) != s.block) {
        s.block = w >> 2;
        philox_block(s.c0, s.c1, s.c2, s.block, s.key0, s.key1, s.lanes);
    }
    unsigned lane = w & 3u; // a select, not an indexed load: lanes stays in registers
    return lane == 0 ? s.lanes[0] : lane == 1 ? s.lanes[1] : lane == 2 ? s.lanes[2] : s.lanes[3];
}

// The winner of search `which` of rule `rule` for token `token` of one sequence x (length, features), as
// MhaTask.search: version 1, the first j != token of least |x[j][f] - x[token][f]|, f = 4 rule + which; version 2,
// the first j != token of greatest x[token][f] x[j][f] + x[token][f+1] x[j][f+1], f = 6 rule + 2 which.
__device__ int mha_search(const float* x, int length, int features, int searchVersion, int token, int rule, int which) {
    int best = 0;
    if (searchVersion == 1) {
        const float* key = x + 4 * rule + which;
        double xi = (double)key[(size_t)token * features];
        double bestDistance = token == 0 ? INFINITY : fabs(__dadd_rn((double)key[0], -xi));
        for (int j = 1; j < length; j++) {
            double d = j == token ? INFINITY : fabs(__dadd_rn((double)key[(size_t)j * features], -xi));
            if (d < bestDistance) {
                bestDistance = d;
                best = j;
            }
        }
    } else {
        const float* key = x + 6 * rule + 2 * which;
        double xi0 = (double)key[(size_t)token * features], xi1 = (double)key[(size_t)token * features + 1];
        double bestDot = token == 0 ? -INFINITY
                                    : __dadd_rn(__dmul_rn(xi0, (double)key[0]), __dmul_rn(xi1, (double)key[1]));
        for (int j = 1; j < length; j++) {
            const float* xj = key + (size_t)j * features;
            double d = j == token ? -INFINITY : __dadd_rn(__dmul_rn(xi0, (double)xj[0]), __dmul_rn(xi1, (double)xj[1]));
            if (d > bestDot) {
                bestDot = d;
                best = j;
            }
        }
    }
    return best;
}

// Sequence e of replica r: Philox key (seeds[r], streamId), words as MhaWords. Token t reads words from
// base = t (F + 2), F = features: version 1, feature f = normal(base + f); version 2, rule q's vectors p = 0, 1 from
// the pair normal(base + 4q + 2p), normal(base + 4q + 2p + 1) divided by its norm, its values 6q + 4, 6q + 5 from
// normal(base + 4R + 2q), normal(base + 4R + 2q + 1); every feature times scale, rounded to float. The rule is
// below(word base + F, rules) or by probabilities (null: uniform) of uniform53(words base + F, base + F + 1). Then
// label = coeff1[rule] x[j1][v1] + coeff2[rule] x[j2][v2] from the stored floats (classification: >= 0 ? 1 : 0).
// seeds (rep), batchIndex (2: low, high word), coefficients (rep, 2, rules) doubles, probabilities (rules) or null;
// inputs (rep, examples * length, features), ruleOut (rep, examples * length), labels (rep, examples * length).
// One thread per (r, e).
extern "C" __global__ void mha_task_batch(int rep, int examples, int length, int rules, int searchVersion,
                                          int classification, const int* __restrict__ seeds, int streamId,
                                          const int* __restrict__ batchIndex, double scale,
                                          const double* __restrict__ coefficients,
                                          const double* __restrict__ probabilities,
                                          float* __restrict__ inputs, int* __restrict__ ruleOut,
                                          float* __restrict__ labels) {
    const int features = (searchVersion == 1 ? 4 : 6) * rules;
    const unsigned total = (unsigned)rep * examples; // fits: the outputs are int-indexed Java buffers
    for (unsigned idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += gridDim.x * blockDim.x) {
        int r = (int)(idx / examples), e = (int)(idx % examples);
        MhaWords s;
        s.key0 = (unsigned)seeds[r];
        s.key1 = (unsigned)streamId;
        s.c0 = (unsigned)e;
        s.c1 = (unsigned)batchIndex[0];
        s.c2 = (unsigned)batchIndex[1];
        s.block = 0xFFFFFFFFu; // none yet: a sequence has fewer than 2^32 blocks
        const size_t row0 = (size_t)idx * length;
        float* x = inputs + row0 * features; // (length, features): this sequence
        for (int t = 0; t < length; t++) {
            unsigned base = (unsigned)t * (unsigned)(features + 2);
            float* xt = x + (size_t)t * features;
            if (searchVersion == 1) {
                for (int f = 0; f < features; f++) xt[f] = (float)__dmul_rn(scale, normal_of(mha_word(s, base + f)));
            } else {
                for (int q = 0; q < rules; q++) {
                    for (int p = 0; p < 2; p++) {
                        double n0 = normal_of(mha_word(s, base + 4 * q + 2 * p));
                        double n1 = normal_of(mha_word(s, base + 4 * q + 2 * p + 1));
                        double norm = __dsqrt_rn(__dadd_rn(__dmul_rn(n0, n0), __dmul_rn(n1, n1)));
                        xt[6 * q + 2 * p] = (float)__dmul_rn(scale, __ddiv_rn(n0, norm));
                        xt[6 * q + 2 * p + 1] = (float)__dmul_rn(scale, __ddiv_rn(n1, norm));
                    }
                }
                for (int q = 0; q < rules; q++) {
                    xt[6 * q + 4] = (float)__dmul_rn(scale, normal_of(mha_word(s, base + 4 * rules + 2 * q)));
                    xt[6 * q + 5] = (float)__dmul_rn(scale, normal_of(mha_word(s, base + 4 * rules + 2 * q + 1)));
                }
            }
            unsigned w = mha_word(s, base + features);
            unsigned lo = probabilities == nullptr ? 0u : mha_word(s, base + features + 1);
            ruleOut[row0 + t] = rule_of(w, lo, probabilities, rules);
        }
        const double* coeff = coefficients + (size_t)r * 2 * rules;
        for (int t = 0; t < length; t++) {
            int rule = ruleOut[row0 + t];
            int value = searchVersion == 1 ? 4 * rule + 2 : 6 * rule + 4;
            double retrieved1 = (double)x[(size_t)mha_search(x, length, features, searchVersion, t, rule, 0) * features + value];
            double retrieved2 = (double)x[(size_t)mha_search(x, length, features, searchVersion, t, rule, 1) * features + value + 1];
            double y = __dadd_rn(__dmul_rn(coeff[rule], retrieved1), __dmul_rn(coeff[rules + rule], retrieved2));
            labels[row0 + t] = classification ? (y >= 0.0 ? 1.0f : 0.0f) : (float)y;
        }
    }
}
