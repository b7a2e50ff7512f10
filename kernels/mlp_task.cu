// Batches of the MLP task family drawn on the device: the CUDA launch of task.MlpTaskBatch (CPU reference:
// modarch.task.MlpTask.draw, which MlpTask.sample also uses). Bit for bit the same stream as the CPU: Philox4x32-10
// blocks, the AS241 inverse normal CDF with fdlibm's log, every double operation rounded on its own
// (__dmul_rn/__dadd_rn: no fused multiply-add), the label in double from the float-rounded inputs.

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

// Philox4x32-10 of counter (c0..c3) and key (k0, k1), in Random123's word order
__device__ void philox_block(unsigned c0, unsigned c1, unsigned c2, unsigned c3, unsigned k0, unsigned k1, unsigned out[4]) {
    for (int r = 0; r < 10; r++) {
        if (r != 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        unsigned hi0 = __umulhi(PHILOX_M0, c0), lo0 = PHILOX_M0 * c0;
        unsigned hi1 = __umulhi(PHILOX_M1, c2), lo1 = PHILOX_M1 * c2;
        unsigned n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

__device__ __forceinline__ double rn_mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ double rn_add(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double rn_sub(double a, double b) { return __dadd_rn(a, -b); }

// Horner from the highest coefficient: ((c[0] r + c[1]) r + ...) + c[7], each step rounded twice
__device__ double horner8(const double c[8], double r) {
    double acc = c[0];
    for (int i = 1; i < 8; i++) acc = rn_add(rn_mul(acc, r), c[i]);
    return acc;
}

// fdlibm's __ieee754_log for normal positive finite x (the only arguments here: 2^-33 <= x <= 0.075)
__device__ double fdlibm_log(double x) {
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
                 Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                 Lg7 = 1.479819860511658591e-01;
    int hx = __double2hiint(x);
    unsigned lx = (unsigned)__double2loint(x);
    int k = (hx >> 20) - 1023;
    hx &= 0x000fffff;
    int i = (hx + 0x95f64) & 0x100000;
    x = __hiloint2double(hx | (i ^ 0x3ff00000), (int)lx); // x or x/2 in [sqrt(2)/2, sqrt(2))
    k += i >> 20;
    double f = rn_sub(x, 1.0);
    double dk = (double)k;
    if ((0x000fffff & (2 + hx)) < 3) { // |f| < 2^-20
        if (f == 0.0) return k == 0 ? 0.0 : rn_add(rn_mul(dk, ln2_hi), rn_mul(dk, ln2_lo));
        double R = rn_mul(rn_mul(f, f), rn_sub(0.5, rn_mul(0.33333333333333333, f)));
        return k == 0 ? rn_sub(f, R) : rn_sub(rn_mul(dk, ln2_hi), rn_sub(rn_sub(R, rn_mul(dk, ln2_lo)), f));
    }
    double s = f / rn_add(2.0, f);
    double z = rn_mul(s, s);
    i = hx - 0x6147a;
    double w = rn_mul(z, z);
    int j = 0x6b851 - hx;
    double t1 = rn_mul(w, rn_add(Lg2, rn_mul(w, rn_add(Lg4, rn_mul(w, Lg6)))));
    double t2 = rn_mul(z, rn_add(Lg1, rn_mul(w, rn_add(Lg3, rn_mul(w, rn_add(Lg5, rn_mul(w, Lg7)))))));
    i |= j;
    double R = rn_add(t2, t1);
    if (i > 0) {
        double hfsq = rn_mul(rn_mul(0.5, f), f);
        if (k == 0) return rn_sub(f, rn_sub(hfsq, rn_mul(s, rn_add(hfsq, R))));
        return rn_sub(rn_mul(dk, ln2_hi), rn_sub(rn_sub(hfsq, rn_add(rn_mul(s, rn_add(hfsq, R)), rn_mul(dk, ln2_lo))), f));
    }
    if (k == 0) return rn_sub(f, rn_mul(s, rn_sub(f, R)));
    return rn_sub(rn_mul(dk, ln2_hi), rn_sub(rn_sub(rn_mul(s, rn_sub(f, R)), rn_mul(dk, ln2_lo)), f));
}

// (unsigned(word) + 0.5) * 2^-32, exact
__device__ __forceinline__ double uniform_open(unsigned word) { return ((double)word + 0.5) * 0x1p-32; }

// 53-bit uniform in [0, 1) from two words
__device__ __forceinline__ double uniform53(unsigned hi, unsigned lo) {
    return (double)(((unsigned long long)hi << 21) | (lo >> 11)) * 0x1p-53;
}

// the standard normal quantile of uniform_open(word), by Wichura's AS241 as modarch.task.Philox.normal
__device__ double normal_of(unsigned word) {
    const double centralNum[8] = {2.5090809287301226727e+3, 3.3430575583588128105e+4, 6.7265770927008700853e+4,
                                  4.5921953931549871457e+4, 1.3731693765509461125e+4, 1.9715909503065514427e+3,
                                  1.3314166789178437745e+2, 3.3871328727963666080e+0};
    const double centralDen[8] = {5.2264952788528545610e+3, 2.8729085735721942674e+4, 3.9307895800092710610e+4,
                                  2.1213794301586595867e+4, 5.3941960214247511077e+3, 6.8718700749205790830e+2,
                                  4.2313330701600911252e+1, 1.0};
    const double nearNum[8] = {7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
                               1.27045825245236838258e+0, 3.64784832476320460504e+0, 5.76949722146069140550e+0,
                               4.63033784615654529590e+0, 1.42343711074968357734e+0};
    const double nearDen[8] = {1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
                               1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e+0,
                               2.05319162663775882187e+0, 1.0};
    const double farNum[8] = {2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
                              2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e+0,
                              5.46378491116411436990e+0, 6.65790464350110377720e+0};
    const double farDen[8] = {2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
                              7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
                              5.99832206555887937690e-1, 1.0};
    double p = uniform_open(word);
    double q = rn_sub(p, 0.5);
    if (fabs(q) <= 0.425) {
        double r = rn_sub(0.180625, rn_mul(q, q));
        return rn_mul(horner8(centralNum, r), q) / horner8(centralDen, r);
    }
    double r = q <= 0.0 ? p : rn_sub(1.0, p);
    r = sqrt(-fdlibm_log(r));
    double x;
    if (r <= 5.0) {
        r = rn_sub(r, 1.6);
        x = horner8(nearNum, r) / horner8(nearDen, r);
    } else {
        r = rn_sub(r, 5.0);
        x = horner8(farNum, r) / horner8(farDen, r);
    }
    return q < 0.0 ? -x : x;
}

// the first rule whose cumulative probability exceeds u; rounding slack goes to the last positive one
__device__ int draw_rule(double u, const double* probabilities, int rules) {
    double cumulative = 0.0;
    int lastPositive = 0;
    for (int r = 0; r < rules; r++) {
        if (probabilities[r] > 0.0) {
            cumulative = rn_add(cumulative, probabilities[r]);
            if (u < cumulative) return r;
            lastPositive = r;
        }
    }
    return lastPositive;
}

// A row's rule from its rule words w and lo (lo is read only with probabilities): below(w, rules), or by probabilities
// (null: uniform) of uniform53(w, lo). Shared with the sequence families (mha_task.cu, rnn_task.cu).
__device__ int rule_of(unsigned w, unsigned lo, const double* probabilities, int rules) {
    return probabilities == nullptr ? (int)(((unsigned long long)w * (unsigned)rules) >> 32)
                                    : draw_rule(uniform53(w, lo), probabilities, rules);
}

// Example i of replica r is one Philox block of key (seeds[r], streamId), counter (i, batch lo, batch hi, 0):
// a = normal(w0), b = normal(w1) (times scale), rule = below(w2, rules) or by probabilities (null: uniform),
// label = coeff1[rule] a + coeff2[rule] b in double from the float inputs (classification: >= 0 ? 1 : 0).
// seeds (rep), batchIndex (2: low, high word), coefficients (rep, 2, rules) doubles, probabilities (rules) or null;
// inputs (rep, examples, 2), ruleOut (rep, examples), labels (rep, examples). One thread per (r, i).
extern "C" __global__ void mlp_task_batch(int rep, int examples, int rules, int classification,
                                          const int* __restrict__ seeds, int streamId,
                                          const int* __restrict__ batchIndex, double scale,
                                          const double* __restrict__ coefficients,
                                          const double* __restrict__ probabilities,
                                          float* __restrict__ inputs, int* __restrict__ ruleOut,
                                          float* __restrict__ labels) {
    const unsigned total = (unsigned)rep * examples; // fits: the outputs are int-indexed Java buffers
    for (unsigned idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += gridDim.x * blockDim.x) {
        int r = (int)(idx / examples), i = (int)(idx % examples);
        unsigned w[4];
        philox_block((unsigned)i, (unsigned)batchIndex[0], (unsigned)batchIndex[1], 0u, (unsigned)seeds[r],
                     (unsigned)streamId, w);
        float a = (float)rn_mul(scale, normal_of(w[0]));
        float b = (float)rn_mul(scale, normal_of(w[1]));
        int rule = rule_of(w[2], w[3], probabilities, rules);
        const double* coeff = coefficients + r * 2 * rules;
        double y = rn_add(rn_mul(coeff[rule], (double)a), rn_mul(coeff[rules + rule], (double)b));
        inputs[2 * idx] = a;
        inputs[2 * idx + 1] = b;
        ruleOut[idx] = rule;
        labels[idx] = classification ? (y >= 0.0 ? 1.0f : 0.0f) : (float)y;
    }
}
