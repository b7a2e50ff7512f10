package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.S;
import static modarch.backend.cpu.GemmKernels.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import modarch.backend.ops.AttentionBackward;
import modarch.backend.ops.AttentionForward;
import modarch.backend.ops.AttentionShape;

/**
 * {@link AttentionForward} and {@link AttentionBackward} in Vector API kernels, giving the bits of
 * {@link ScalarAttention}: every sum is the reference's, term for term and in its order, only computed in many lanes
 * at once, with separate multiplies and adds (no FMA). The score and gradient dot products q_i . k_j run one lane per
 * key over a transposed copy of the head's keys (or values), each lane summing over d in order; the weighted sums
 * (out, gradQ) run one lane per column, each summing over the kept keys in order; gradK and gradV one key at a time,
 * in registers, over the queries that kept it in increasing order (an inverted list of the kept table). So the
 * selection ({@link TopKSelection}, shared) sees the reference's scores and keeps the same keys, whatever the
 * backend. Multiply + add costs no more than FMA here (measured on the AVX-512 EPYC, L = 100 dense, 256 x 8 items:
 * FMA in the hot loops 499 to 525 ms a forward + backward, multiply + add 505 to 557, within the machine's noise).
 * The head's rows lie heads * headDim floats apart (2 KiB at 8 heads of 64), all in a few sets of the L1 cache, so
 * each item first copies the rows it walks many times into packed or transposed scratch.
 *
 * <p>Work is split by (sequence, head) items, each computed whole by one thread, across the pool when the call is
 * large ({@link #PARALLEL_MIN}); results do not depend on the split. Allocates nothing once each thread's scratch
 * has grown to the shape.
 */
final class VectorAttention {
    /**
     * From this many multiply-adds of the score products (items * length^2 * headDim) on, a call is split across the
     * pool: about 30 us of work on one thread, against a few us for the split.
     */
    static final long PARALLEL_MIN = 256 * 1024;

    /** Queries whose dot products are computed together: independent sums to hide the adds' latency. */
    private static final int ROWS = 4;

    private static final ThreadLocal<Call> CALLS = ThreadLocal.withInitial(Call::new);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorAttention() {
    }

    /** See {@link AttentionForward}; arrays as there. */
    static void forward(Parallel parallel, int seqs, int length, int heads, int headDim, int topK, float scale,
                        float[] q, float[] k, float[] v, float[] out, int[] kept, float[] weight) {
        Call call = CALLS.get();
        call.set(false, seqs, length, heads, headDim, topK, scale, q, k, v, out, kept, weight, null, null, null, null,
                null);
        call.run(parallel);
    }

    /** See {@link AttentionBackward}; arrays as there. */
    static void backward(Parallel parallel, int seqs, int length, int heads, int headDim, int topK, float scale,
                         float[] q, float[] k, float[] v, int[] kept, float[] weight, float[] gradOut,
                         float[] gradScore, float[] gradQ, float[] gradK, float[] gradV) {
        Call call = CALLS.get();
        call.set(true, seqs, length, heads, headDim, topK, scale, q, k, v, null, kept, weight, gradOut, gradScore,
                gradQ, gradK, gradV);
        call.run(parallel);
    }

    /** One calling thread's call, handed to the pool without allocating: items [from, to) of seqs * heads. */
    private static final class Call implements Parallel.IntRangeBody {
        private boolean backward;
        private int length, heads, headDim, keep, items;
        private float scale;
        private float[] q, k, v, out, weight, gradOut, gradScore, gradQ, gradK, gradV;
        private int[] kept;

        void set(boolean backward, int seqs, int length, int heads, int headDim, int topK, float scale,
                 float[] q, float[] k, float[] v, float[] out, int[] kept, float[] weight, float[] gradOut,
                 float[] gradScore, float[] gradQ, float[] gradK, float[] gradV) {
            this.backward = backward;
            this.items = seqs * heads;
            this.length = length;
            this.heads = heads;
            this.headDim = headDim;
            this.keep = AttentionShape.keptKeys(topK, length);
            this.scale = scale;
            this.q = q;
            this.k = k;
            this.v = v;
            this.out = out;
            this.kept = kept;
            this.weight = weight;
            this.gradOut = gradOut;
            this.gradScore = gradScore;
            this.gradQ = gradQ;
            this.gradK = gradK;
            this.gradV = gradV;
        }

        void run(Parallel parallel) {
            try {
                long work = (long) items * length * length * headDim;
                if (parallel.threads() > 1 && items > 1 && work >= PARALLEL_MIN) parallel.parallelFor(items, this);
                else run(0, items);
            } finally {
                q = k = v = out = weight = gradOut = gradScore = gradQ = gradK = gradV = null;
                kept = null;
            }
        }

        @Override
        public void run(int from, int to) {
            Scratch scratch = SCRATCH.get();
            int width = heads * headDim;
            for (int item = from; item < to; item++) {
                int s = item / heads, h = item % heads;
                int column = s * length * width + h * headDim; // token 0 of head h in sequence s
                int base = item * length * keep;               // query 0's kept keys
                if (backward) {
                    backwardItem(scratch, column, base, width);
                } else {
                    forwardItem(scratch, column, base, width);
                }
            }
        }

        private void forwardItem(Scratch scratch, int column, int base, int width) {
            int padded = padded(length);
            float[] kt = scratch.transposed(headDim * padded), vp = scratch.packedV(length * headDim);
            float[] scores = scratch.scores(ROWS * padded);
            transpose(k, column, width, length, headDim, kt, padded);
            pack(v, column, width, length, headDim, vp);
            for (int i0 = 0; i0 < length; i0 += ROWS) {
                int rows = Math.min(ROWS, length - i0);
                dotRows(q, column + i0 * width, width, rows, kt, padded, headDim, scale, scores);
                for (int r = 0; r < rows; r++) {
                    int i = i0 + r, at = base + i * keep;
                    scratch.selection.select(scores, r * padded, length, i, keep, kept, at);
                    ScalarAttention.softmaxKept(scores, r * padded, kept, at, keep, weight);
                    weightedRows(weight, at, kept, keep, vp, headDim, 1f, out, column + i * width);
                }
            }
        }

        private void backwardItem(Scratch scratch, int column, int base, int width) {
            int padded = padded(length), block = length * headDim;
            float[] qp = scratch.packedQ(block), kp = scratch.packedK(block), gp = scratch.packedGradOut(block);
            pack(q, column, width, length, headDim, qp);
            pack(k, column, width, length, headDim, kp);
            pack(gradOut, column, width, length, headDim, gp);
            // g_l = dout_i . v_l: for all keys at once over transposed values when that takes fewer operations
            // (padded / VL vectors per d) than the kept keys alone in scalar chains (keep per d)
            boolean allKeys = (long) keep * VL >= padded;
            float[] g = scratch.scores(ROWS * padded), vt = null, vp = null;
            if (allKeys) {
                vt = scratch.transposed(headDim * padded);
                transpose(v, column, width, length, headDim, vt, padded);
            } else {
                vp = scratch.packedV(block);
                pack(v, column, width, length, headDim, vp);
            }
            for (int i0 = 0; i0 < length; i0 += ROWS) {
                int rows = Math.min(ROWS, length - i0), at0 = base + i0 * keep;
                if (allKeys) {
                    dotRows(gp, i0 * headDim, headDim, rows, vt, padded, headDim, 1f, g);
                    for (int r = 0; r < rows; r++) {
                        int at = at0 + r * keep;
                        for (int l = 0; l < keep; l++) gradScore[at + l] = g[r * padded + kept[at + l]];
                    }
                } else {
                    keptDots(gp, i0 * headDim, rows, vp, headDim, kept, at0, keep, gradScore);
                }
                for (int r = 0; r < rows; r++) {
                    int at = at0 + r * keep;
                    float weighted = 0f; // sum_l w_l g_l
                    for (int l = 0; l < keep; l++) weighted += weight[at + l] * gradScore[at + l];
                    for (int l = 0; l < keep; l++) gradScore[at + l] = weight[at + l] * (gradScore[at + l] - weighted);
                    weightedRows(gradScore, at, kept, keep, kp, headDim, scale, gradQ, column + (i0 + r) * width);
                }
            }
            keyGradients(scratch, qp, gp, column, base, width);
        }

        /**
         * gradK_j = sum_i (scale ds_ij) q_i and gradV_j = sum_i w_ij dout_i over the queries i that kept j, in
         * increasing i (the reference's order), accumulated in registers one key at a time; zero for keys no query
         * kept. qp and gp are the item's q and gradOut, packed.
         */
        private void keyGradients(Scratch scratch, float[] qp, float[] gp, int column, int base, int width) {
            int entries = length * keep;
            int[] start = scratch.start(length + 1), next = scratch.next(length), query = scratch.query(entries);
            float[] ds = scratch.entryDs(entries), w = scratch.entryW(entries);
            Arrays.fill(start, 0, length + 1, 0);
            for (int e = 0; e < entries; e++) start[kept[base + e] + 1]++;
            for (int j = 0; j < length; j++) start[j + 1] += start[j];
            System.arraycopy(start, 0, next, 0, length);
            for (int i = 0, at = base; i < length; i++) {
                for (int l = 0; l < keep; l++, at++) {
                    int e = next[kept[at]]++;
                    query[e] = i * headDim;
                    ds[e] = scale * gradScore[at];
                    w[e] = weight[at];
                }
            }
            for (int j = 0; j < length; j++) {
                int keyRow = column + j * width, from = start[j], to = start[j + 1];
                int d = 0;
                for (; d + 4 * VL <= headDim; d += 4 * VL) {
                    FloatVector k0 = FloatVector.zero(S), k1 = FloatVector.zero(S);
                    FloatVector k2 = FloatVector.zero(S), k3 = FloatVector.zero(S);
                    FloatVector v0 = FloatVector.zero(S), v1 = FloatVector.zero(S);
                    FloatVector v2 = FloatVector.zero(S), v3 = FloatVector.zero(S);
                    for (int e = from; e < to; e++) {
                        int r = query[e] + d;
                        FloatVector dse = FloatVector.broadcast(S, ds[e]), we = FloatVector.broadcast(S, w[e]);
                        k0 = k0.add(dse.mul(FloatVector.fromArray(S, qp, r)));
                        k1 = k1.add(dse.mul(FloatVector.fromArray(S, qp, r + VL)));
                        k2 = k2.add(dse.mul(FloatVector.fromArray(S, qp, r + 2 * VL)));
                        k3 = k3.add(dse.mul(FloatVector.fromArray(S, qp, r + 3 * VL)));
                        v0 = v0.add(we.mul(FloatVector.fromArray(S, gp, r)));
                        v1 = v1.add(we.mul(FloatVector.fromArray(S, gp, r + VL)));
                        v2 = v2.add(we.mul(FloatVector.fromArray(S, gp, r + 2 * VL)));
                        v3 = v3.add(we.mul(FloatVector.fromArray(S, gp, r + 3 * VL)));
                    }
                    k0.intoArray(gradK, keyRow + d);
                    k1.intoArray(gradK, keyRow + d + VL);
                    k2.intoArray(gradK, keyRow + d + 2 * VL);
                    k3.intoArray(gradK, keyRow + d + 3 * VL);
                    v0.intoArray(gradV, keyRow + d);
                    v1.intoArray(gradV, keyRow + d + VL);
                    v2.intoArray(gradV, keyRow + d + 2 * VL);
                    v3.intoArray(gradV, keyRow + d + 3 * VL);
                }
                for (; d + VL <= headDim; d += VL) {
                    FloatVector k0 = FloatVector.zero(S), v0 = FloatVector.zero(S);
                    for (int e = from; e < to; e++) {
                        int r = query[e] + d;
                        k0 = k0.add(FloatVector.broadcast(S, ds[e]).mul(FloatVector.fromArray(S, qp, r)));
                        v0 = v0.add(FloatVector.broadcast(S, w[e]).mul(FloatVector.fromArray(S, gp, r)));
                    }
                    k0.intoArray(gradK, keyRow + d);
                    v0.intoArray(gradV, keyRow + d);
                }
                for (; d < headDim; d++) {
                    float dk = 0f, dv = 0f;
                    for (int e = from; e < to; e++) {
                        int r = query[e] + d;
                        dk += ds[e] * qp[r];
                        dv += w[e] * gp[r];
                    }
                    gradK[keyRow + d] = dk;
                    gradV[keyRow + d] = dv;
                }
            }
        }
    }

    /** length rounded up to whole vectors: the row length of a transposed block. */
    private static int padded(int length) {
        return (length + VL - 1) / VL * VL;
    }

    /**
     * xt[d * padded + j] = x[column + j * width + d] for tokens j < length: the head's (length, dim) block
     * transposed, each column padded to whole vectors. The padding keeps whatever it held: the lanes it feeds are
     * never read. Read row by row: a column-wise walk would miss in L1 on every row (see the class comment).
     */
    private static void transpose(float[] x, int column, int width, int length, int dim, float[] xt, int padded) {
        for (int j = 0; j < length; j++) {
            int row = column + j * width;
            for (int d = 0; d < dim; d++) xt[d * padded + j] = x[row + d];
        }
    }

    /**
     * xp[j * dim + d] = x[column + j * width + d]: the head's (length, dim) block packed, so that walks over many of
     * its rows stay in cache.
     */
    private static void pack(float[] x, int column, int width, int length, int dim, float[] xp) {
        for (int j = 0; j < length; j++) System.arraycopy(x, column + j * width, xp, j * dim, dim);
    }

    /**
     * out[r * padded + j] = factor * sum_d x[row0 + r * width + d] * yt[d * padded + j] for rows r < rows (at most
     * {@link #ROWS}) and j < padded: one lane per key, each summing over d in order from 0 (the reference's
     * {@code dot += q * k}); four rows at a time (eight independent sums), else one. Keys j >= length are the
     * padding's: their values mean nothing.
     */
    private static void dotRows(float[] x, int row0, int width, int rows, float[] yt, int padded, int dim,
                                float factor, float[] out) {
        if (rows == 4) {
            dotRows4(x, row0, width, yt, padded, dim, factor, out);
        } else {
            for (int r = 0; r < rows; r++) dotRow(x, row0 + r * width, yt, padded, dim, factor, out, r * padded);
        }
    }

    private static void dotRows4(float[] x, int row0, int width, float[] yt, int padded, int dim, float factor,
                                 float[] out) {
        int r0 = row0, r1 = row0 + width, r2 = row0 + 2 * width, r3 = row0 + 3 * width;
        int j = 0;
        for (; j + 2 * VL <= padded; j += 2 * VL) {
            FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s10 = FloatVector.zero(S);
            FloatVector s11 = FloatVector.zero(S), s20 = FloatVector.zero(S), s21 = FloatVector.zero(S);
            FloatVector s30 = FloatVector.zero(S), s31 = FloatVector.zero(S);
            for (int d = 0; d < dim; d++) {
                int at = d * padded + j;
                FloatVector y0 = FloatVector.fromArray(S, yt, at), y1 = FloatVector.fromArray(S, yt, at + VL);
                FloatVector x0 = FloatVector.broadcast(S, x[r0 + d]), x1 = FloatVector.broadcast(S, x[r1 + d]);
                FloatVector x2 = FloatVector.broadcast(S, x[r2 + d]), x3 = FloatVector.broadcast(S, x[r3 + d]);
                s00 = s00.add(x0.mul(y0));
                s01 = s01.add(x0.mul(y1));
                s10 = s10.add(x1.mul(y0));
                s11 = s11.add(x1.mul(y1));
                s20 = s20.add(x2.mul(y0));
                s21 = s21.add(x2.mul(y1));
                s30 = s30.add(x3.mul(y0));
                s31 = s31.add(x3.mul(y1));
            }
            s00.mul(factor).intoArray(out, j);
            s01.mul(factor).intoArray(out, j + VL);
            s10.mul(factor).intoArray(out, padded + j);
            s11.mul(factor).intoArray(out, padded + j + VL);
            s20.mul(factor).intoArray(out, 2 * padded + j);
            s21.mul(factor).intoArray(out, 2 * padded + j + VL);
            s30.mul(factor).intoArray(out, 3 * padded + j);
            s31.mul(factor).intoArray(out, 3 * padded + j + VL);
        }
        if (j < padded) {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            for (int d = 0; d < dim; d++) {
                FloatVector y0 = FloatVector.fromArray(S, yt, d * padded + j);
                s0 = s0.add(FloatVector.broadcast(S, x[r0 + d]).mul(y0));
                s1 = s1.add(FloatVector.broadcast(S, x[r1 + d]).mul(y0));
                s2 = s2.add(FloatVector.broadcast(S, x[r2 + d]).mul(y0));
                s3 = s3.add(FloatVector.broadcast(S, x[r3 + d]).mul(y0));
            }
            s0.mul(factor).intoArray(out, j);
            s1.mul(factor).intoArray(out, padded + j);
            s2.mul(factor).intoArray(out, 2 * padded + j);
            s3.mul(factor).intoArray(out, 3 * padded + j);
        }
    }

    /** One row of {@link #dotRows} into out[outOff..], four vectors of keys at a time. */
    private static void dotRow(float[] x, int row, float[] yt, int padded, int dim, float factor, float[] out,
                               int outOff) {
        int j = 0;
        for (; j + 4 * VL <= padded; j += 4 * VL) {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            for (int d = 0; d < dim; d++) {
                FloatVector xd = FloatVector.broadcast(S, x[row + d]);
                int at = d * padded + j;
                s0 = s0.add(xd.mul(FloatVector.fromArray(S, yt, at)));
                s1 = s1.add(xd.mul(FloatVector.fromArray(S, yt, at + VL)));
                s2 = s2.add(xd.mul(FloatVector.fromArray(S, yt, at + 2 * VL)));
                s3 = s3.add(xd.mul(FloatVector.fromArray(S, yt, at + 3 * VL)));
            }
            s0.mul(factor).intoArray(out, outOff + j);
            s1.mul(factor).intoArray(out, outOff + j + VL);
            s2.mul(factor).intoArray(out, outOff + j + 2 * VL);
            s3.mul(factor).intoArray(out, outOff + j + 3 * VL);
        }
        for (; j < padded; j += VL) {
            FloatVector s0 = FloatVector.zero(S);
            for (int d = 0; d < dim; d++) {
                s0 = s0.add(FloatVector.broadcast(S, x[row + d]).mul(FloatVector.fromArray(S, yt, d * padded + j)));
            }
            s0.mul(factor).intoArray(out, outOff + j);
        }
    }

    /**
     * out[at0 + r * keep + l] = sum_d x[x0 + r * dim + d] * yp[kept[at0 + r * keep + l] * dim + d] for rows
     * r < rows and l < keep (x and yp packed): scalar, each summing over d in order from 0, four rows at a time
     * (independent chains) when there are four, else four kept keys of one row at a time.
     */
    private static void keptDots(float[] x, int x0, int rows, float[] yp, int dim, int[] kept, int at0, int keep,
                                 float[] out) {
        if (rows == 4) {
            int x1 = x0 + dim, x2 = x1 + dim, x3 = x2 + dim;
            for (int l = 0; l < keep; l++) {
                int a0 = at0 + l, a1 = a0 + keep, a2 = a1 + keep, a3 = a2 + keep;
                int y0 = kept[a0] * dim, y1 = kept[a1] * dim, y2 = kept[a2] * dim, y3 = kept[a3] * dim;
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (int d = 0; d < dim; d++) {
                    s0 += x[x0 + d] * yp[y0 + d];
                    s1 += x[x1 + d] * yp[y1 + d];
                    s2 += x[x2 + d] * yp[y2 + d];
                    s3 += x[x3 + d] * yp[y3 + d];
                }
                out[a0] = s0;
                out[a1] = s1;
                out[a2] = s2;
                out[a3] = s3;
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            int row = x0 + r * dim, at = at0 + r * keep;
            int l = 0;
            for (; l + 4 <= keep; l += 4) {
                int y0 = kept[at + l] * dim, y1 = kept[at + l + 1] * dim;
                int y2 = kept[at + l + 2] * dim, y3 = kept[at + l + 3] * dim;
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (int d = 0; d < dim; d++) {
                    float xd = x[row + d];
                    s0 += xd * yp[y0 + d];
                    s1 += xd * yp[y1 + d];
                    s2 += xd * yp[y2 + d];
                    s3 += xd * yp[y3 + d];
                }
                out[at + l] = s0;
                out[at + l + 1] = s1;
                out[at + l + 2] = s2;
                out[at + l + 3] = s3;
            }
            for (; l < keep; l++) {
                int y0 = kept[at + l] * dim;
                float s0 = 0f;
                for (int d = 0; d < dim; d++) s0 += x[row + d] * yp[y0 + d];
                out[at + l] = s0;
            }
        }
    }

    /**
     * out[row + d] = factor * sum_l c[at + l] * yp[kept[at + l] * dim + d] for d < dim (yp packed): one lane per
     * column, each summing over l in order from 0 (the reference's weighted sums), four vectors of columns at a time.
     */
    private static void weightedRows(float[] c, int at, int[] kept, int keep, float[] yp, int dim, float factor,
                                     float[] out, int row) {
        int d = 0;
        for (; d + 4 * VL <= dim; d += 4 * VL) {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            for (int l = 0; l < keep; l++) {
                FloatVector cl = FloatVector.broadcast(S, c[at + l]);
                int r = kept[at + l] * dim + d;
                s0 = s0.add(cl.mul(FloatVector.fromArray(S, yp, r)));
                s1 = s1.add(cl.mul(FloatVector.fromArray(S, yp, r + VL)));
                s2 = s2.add(cl.mul(FloatVector.fromArray(S, yp, r + 2 * VL)));
                s3 = s3.add(cl.mul(FloatVector.fromArray(S, yp, r + 3 * VL)));
            }
            s0.mul(factor).intoArray(out, row + d);
            s1.mul(factor).intoArray(out, row + d + VL);
            s2.mul(factor).intoArray(out, row + d + 2 * VL);
            s3.mul(factor).intoArray(out, row + d + 3 * VL);
        }
        for (; d + VL <= dim; d += VL) {
            FloatVector s0 = FloatVector.zero(S);
            for (int l = 0; l < keep; l++) {
                s0 = s0.add(FloatVector.broadcast(S, c[at + l]).mul(FloatVector.fromArray(S, yp, kept[at + l] * dim + d)));
            }
            s0.mul(factor).intoArray(out, row + d);
        }
        for (; d < dim; d++) {
            float sum = 0f;
            for (int l = 0; l < keep; l++) sum += c[at + l] * yp[kept[at + l] * dim + d];
            out[row + d] = factor * sum;
        }
    }

    /** One thread's scratch, grown to the largest shape it has met. */
    private static final class Scratch {
        final TopKSelection selection = new TopKSelection();
        private float[] transposed = new float[0], scores = new float[0], entryDs = new float[0], entryW = new float[0];
        private float[] packedQ = new float[0], packedK = new float[0], packedV = new float[0];
        private float[] packedGradOut = new float[0];
        private int[] start = new int[0], next = new int[0], query = new int[0];

        float[] transposed(int n) {
            return transposed = grown(transposed, n);
        }

        float[] scores(int n) {
            return scores = grown(scores, n);
        }

        float[] entryDs(int n) {
            return entryDs = grown(entryDs, n);
        }

        float[] entryW(int n) {
            return entryW = grown(entryW, n);
        }

        float[] packedQ(int n) {
            return packedQ = grown(packedQ, n);
        }

        float[] packedK(int n) {
            return packedK = grown(packedK, n);
        }

        float[] packedV(int n) {
            return packedV = grown(packedV, n);
        }

        float[] packedGradOut(int n) {
            return packedGradOut = grown(packedGradOut, n);
        }

        int[] start(int n) {
            return start = grown(start, n);
        }

        int[] next(int n) {
            return next = grown(next, n);
        }

        int[] query(int n) {
            return query = grown(query, n);
        }

        private static float[] grown(float[] x, int n) {
            return x.length < n ? new float[n] : x;
        }

        private static int[] grown(int[] x, int n) {
            return x.length < n ? new int[n] : x;
        }
    }
}
