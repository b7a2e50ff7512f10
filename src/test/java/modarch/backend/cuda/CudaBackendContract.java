package modarch.backend.cuda;

import static modarch.backend.cuda.KernelAgreement.check;
import modarch.backend.TestOps;
import modarch.backend.ops.CopyPair;
import modarch.backend.ops.DenseModules;
import modarch.backend.ops.GemmSegmentedWeightGrad;
import modarch.backend.ops.GemmSegmented;
import modarch.backend.ops.LstmCellBackward;
import modarch.backend.ops.LstmCellForward;
import modarch.backend.ops.LstmWindow;
import modarch.backend.ops.LstmWindowBackward;
import modarch.backend.ops.LstmWindowForward;
import modarch.backend.ops.AttentionShape;
import modarch.backend.ops.AttentionBackward;
import modarch.backend.ops.AttentionForward;
import modarch.backend.ops.RegularizerTerms;
import modarch.backend.ops.CombineSlotsBackward;
import modarch.backend.ops.CombineSlots;
import modarch.backend.ops.ScatterSlots;
import modarch.backend.ops.GatherSlots;
import modarch.backend.ops.ModuleDispatch;
import modarch.backend.ops.RoutingTopK;
import static modarch.backend.cuda.KernelAgreement.checkExact;
import static modarch.backend.cuda.KernelGeometry.LSTM_MAX_MODULES;
import static modarch.backend.cuda.KernelGeometry.ROUTER_MAX_MODULES;
import static modarch.backend.cuda.KernelGeometry.TOPK_MAX_MODULES;
import static modarch.backend.cuda.KernelAgreement.REFERENCE;
import static modarch.backend.cuda.KernelAgreement.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ObjIntConsumer;
import java.util.stream.IntStream;
import modarch.backend.Backend;
import modarch.backend.DoubleBits;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.task.DataStream;
import modarch.task.MhaTaskBatch;
import modarch.task.MlpTaskBatch;
import modarch.task.RnnTaskBatch;
import modarch.task.MhaTask;
import modarch.task.MlpTask;
import modarch.task.RnnTask;
import org.junit.jupiter.api.Test;

/**
 * Every kernel of the CUDA backend against the scalar reference, on random inputs at odd sizes, with offsets and
 * padded rows. Subclasses say which device runs them: the emulated device in both thread orders (every machine)
 * or a real GPU (tagged gpu, skipped without one).
 */
abstract class CudaBackendContract extends DeviceContract {


    private static final int[][] GEMM_SHAPES = {{1, 1, 1}, {5, 7, 3}, {17, 33, 65}, {64, 64, 16}, {70, 3, 0},
        {130, 65, 33}, {2, 129, 17}};

    @Test
    void gemmEveryTransposeEpilogueAndBatching() {
        SplittableRandom rnd = new SplittableRandom(1);
        int count = 0;
        for (int[] s : GEMM_SHAPES) {
            int m = s[0], n = s[1], k = s[2];
            for (int flags = 0; flags < 16; flags++) {
                boolean transA = (flags & 1) != 0, transB = (flags & 2) != 0, acc = (flags & 4) != 0;
                boolean reluBias = (flags & 8) != 0;
                int batch = 1 + (count++ % 3);
                int pad = count % 2, off = count % 3;
                int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
                int strideA = (transA ? k : m) * lda + 1, strideB = batch == 3 ? 0 : (transB ? n : k) * ldb + 2;
                int strideC = m * ldc + 1, strideBias = batch == 2 ? 0 : n;
                float[] a = gaussian(rnd, off + batch * strideA + 2), b = gaussian(rnd, off + batch * Math.max(strideB, (transB ? n : k) * ldb) + 2);
                float[] c = gaussian(rnd, off + batch * strideC + 2), bias = gaussian(rnd, off + batch * n + 1);
                String what = "gemm " + m + "x" + n + "x" + k + " flags " + flags + " batch " + batch;
                check(what, device(), new float[][] {a, b, c, bias}, new int[0][], (be, f, i) ->
                        be.run(TestOps.gemmBatched(batch, transA, transB, m, n, k, f[0], off, lda, strideA, f[1], off,
                                ldb, strideB, f[2], off, ldc, strideC, acc, reluBias ? f[3] : null, off, strideBias,
                                reluBias)));
            }
        }
    }

    /** Two groups of batched ops in one call, as replicas x modules: the reference runs one call per group. */
    @Test
    void groupedOps() {
        SplittableRandom rnd = new SplittableRandom(5);
        Backend device = device();
        for (int[] s : GEMM_SHAPES) {
            for (boolean transA : new boolean[] {false, true}) {
                GroupedGemmCase grouped = new GroupedGemmCase(s[0], s[1], s[2], transA);
                check("gemmGrouped " + grouped, device, grouped.inputs(rnd), new int[0][],
                        (be, f, i) -> be.run(grouped.gemm(f)));
            }
        }
        int groups = 3, batch = 2, m = 17, n = 9, ld = 11;
        int group = batch * m * ld + 4;
        for (boolean add : new boolean[] {false, true}) {
            check("copyGrouped" + (add ? " add" : ""), device,
                    new float[][] {gaussian(rnd, groups * group + 1), gaussian(rnd, groups * group + 2)}, new int[0][],
                    (be, f, i) -> be.run(TestOps.copyGrouped(groups, group, group, batch, m, n, f[0], 1, ld, m * ld,
                            f[1], 2, ld, m * ld, add)));
        }
        check("columnSumGrouped", device, new float[][] {gaussian(rnd, groups * group + 1),
            gaussian(rnd, groups * batch * n + 7)}, new int[0][], (be, f, i) ->
                be.run(TestOps.columnSumGrouped(groups, group, batch * n + 2, batch, m, n, f[0], 1, ld, m * ld, f[1], 1, n)));
    }

    @Test
    void elementwiseOps() {
        SplittableRandom rnd = new SplittableRandom(2);
        Backend device = device();
        for (int[] s : new int[][] {{1, 1}, {3, 5}, {17, 33}, {64, 130}}) {
            int m = s[0], n = s[1], ld = n + 3, batch = 3;
            String shape = m + "x" + n;
            check("fill " + shape, device, new float[][] {gaussian(rnd, m * n + 4)}, new int[0][],
                    (be, f, i) -> be.run(TestOps.fill(m * n, -2.5f, f[0], 2)));
            float[] y = gaussian(rnd, m * ld + 2);
            y[1] = Float.NaN; // a NaN output passes its gradient
            check("reluBackward " + shape, device, new float[][] {y, gaussian(rnd, m * ld + 2)}, new int[0][],
                    (be, f, i) -> be.run(TestOps.reluBackward(m, n, f[0], 1, ld, f[1], 2, ld)));
            check("columnSumAccumulate " + shape, device,
                    new float[][] {gaussian(rnd, batch * m * ld + 1), gaussian(rnd, batch * (n + 1) + 1)}, new int[0][],
                    (be, f, i) -> be.run(TestOps.columnSumAccumulate(batch, m, n, f[0], 1, ld, m * ld, f[1], 1, n + 1)));
            check("copy " + shape, device, new float[][] {gaussian(rnd, batch * m * ld + 1), gaussian(rnd, batch * m * ld + 2)},
                    new int[0][], (be, f, i) -> be.run(TestOps.copy(batch, m, n, f[0], 1, ld, m * ld, f[1], 2, ld, m * ld)));
            check("addInto " + shape, device, new float[][] {gaussian(rnd, batch * m * ld + 1), gaussian(rnd, batch * m * ld + 2)},
                    new int[0][], (be, f, i) -> be.run(TestOps.addInto(batch, m, n, f[0], 1, ld, m * ld, f[1], 2, ld,
                            m * ld)));
            // a copy and an add into the interleaved columns of one buffer, as one op
            checkExact("copyPair " + shape, device, new float[][] {gaussian(rnd, batch * m * ld + 1),
                gaussian(rnd, batch * m * 2 * ld + 2)}, new int[0][], (be, f, i) -> be.run(new CopyPair(
                        TestOps.copy(batch, m, n, f[0], 1, ld, m * ld, f[1], 2, 2 * ld, 2 * m * ld),
                        TestOps.addInto(batch, m, n, f[0], 1, ld, m * ld, f[1], 2 + ld, 2 * ld, 2 * m * ld))));
            int blocks = 3, w = n;
            float[][] blockInputs = {gaussian(rnd, m * blocks * w + 1), gaussian(rnd, m * blocks + 2),
                gaussian(rnd, m * blocks * w + 3)};
            check("scaleBlocks " + shape, device, blockInputs, new int[0][],
                    (be, f, i) -> be.run(TestOps.scaleBlocks(m, blocks, w, f[0], 1, f[1], 2, f[2], 3)));
            check("blockDotAccumulate " + shape, device, blockInputs, new int[0][],
                    (be, f, i) -> be.run(TestOps.blockDotAccumulate(m, blocks, w, f[0], 1, f[2], 3, f[1], 2)));
            float[][] dotAndScaleInputs = {blockInputs[0], blockInputs[1], blockInputs[2], gaussian(rnd, m * blocks + 2),
                gaussian(rnd, m * blocks * w + 4)};
            check("blockDotAccumulate then scaleBlocks " + shape, device, dotAndScaleInputs, new int[0][],
                    (be, f, i) -> be.run(TestOps.blockDotAccumulate(m, blocks, w, f[0], 1, f[2], 3, f[1], 2)
                            .then(TestOps.scaleBlocks(m, blocks, w, f[2], 3, f[3], 2, f[4], 4))));
            check("softmaxRows " + shape, device, new float[][] {gaussian(rnd, m * n + 1), gaussian(rnd, m * n + 2)},
                    new int[0][], (be, f, i) -> be.run(TestOps.softmaxRows(m, n, f[0], 1, f[1], 2)));
            check("softmaxRowsBackward " + shape, device,
                    new float[][] {gaussian(rnd, m * n + 1), gaussian(rnd, m * n + 2), gaussian(rnd, m * n + 3)},
                    new int[0][], (be, f, i) -> be.run(TestOps.softmaxRowsBackward(m, n, f[0], 1, f[1], 2, f[2], 3)));
            int[] index = new int[m + 1];
            for (int r = 0; r < m + 1; r++) index[r] = rnd.nextInt(n);
            check("oneHot " + shape, device, new float[][] {gaussian(rnd, m * n + 2)}, new int[][] {index},
                    (be, f, i) -> be.run(TestOps.oneHot(m, n, i[0], 1, f[0], 2)));
        }
    }

    @Test
    void lossesAndCounts() {
        SplittableRandom rnd = new SplittableRandom(3);
        Backend device = device();
        for (int[] s : new int[][] {{1, 1}, {3, 7}, {2, 300}, {5, 1031}}) {
            int batch = s[0], n = s[1];
            float[] pred = gaussian(rnd, batch * n + 1), target = gaussian(rnd, batch * n + 2);
            pred[1] = target[2]; // a zero difference: its L1 gradient is 0
            float[] labels = new float[batch * n + 2];
            for (int j = 0; j < labels.length; j++) labels[j] = rnd.nextBoolean() ? 1f : 0f;
            for (boolean accumulate : new boolean[] {false, true}) {
                String what = batch + "x" + n + (accumulate ? " accumulate" : "");
                check("l1Loss " + what, device, new float[][] {pred, target, gaussian(rnd, batch * n + 3),
                    gaussian(rnd, batch + 1)}, new int[0][], (be, f, i) ->
                        be.run(TestOps.l1Loss(batch, n, f[0], 1, f[1], 2, f[2], 3, f[3], 1, 0.5f, accumulate)));
                check("bceWithLogitsLoss " + what, device, new float[][] {pred, labels, gaussian(rnd, batch * n + 3),
                    gaussian(rnd, batch + 1)}, new int[0][], (be, f, i) ->
                        be.run(TestOps.bceWithLogitsLoss(batch, n, f[0], 1, f[1], 2, f[2], 3, f[3], 1, 2f,
                                accumulate)));
            }
            check("countCorrect " + batch + "x" + n, device, new float[][] {pred, labels}, new int[][] {new int[batch + 1]},
                    (be, f, i) -> be.run(TestOps.countCorrect(batch, n, f[0], 1, f[1], 2, i[0], 1)));
        }
    }

    @Test
    void adamStepsAndItsCounter() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int n : new int[] {1, 77, 5000}) {
            float[] v = gaussian(rnd, n);
            for (int j = 0; j < n; j++) v[j] = Math.abs(v[j]);
            check("adam " + n, device(), new float[][] {gaussian(rnd, n), gaussian(rnd, n), gaussian(rnd, n), v},
                    new int[][] {{5, 41}}, (be, f, i) -> {
                        for (int step = 0; step < 3; step++) be.run(TestOps.adam(n, f[0], f[1], f[2], f[3], i[0], 1,
                                1e-3, 0.9f, 0.999f, 1e-8f));
                    });
        }
    }

    @Test
    void gradientNormClipping() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (int n : new int[] {1, 300, 40000}) {
            for (float maxNorm : new float[] {0.5f, 1e6f}) { // clipped, and left alone
                int batch = 3, stride = n + 7;
                float[] grad = gaussian(rnd, 2 + batch * stride);
                grad[2 + 2 * stride + n / 2] = Float.NaN; // the last replica's norm is NaN: all its values become NaN
                check("clipGradNorm " + n + " max " + maxNorm, device(), new float[][] {grad, gaussian(rnd, batch + 1)},
                        new int[0][], (be, f, i) -> be.run(TestOps.clipGradNorm(batch, n, f[0], 2, stride, maxNorm,
                                f[1], 1)));
            }
        }
    }

    /** Adam's other counter (a batch number) advances with its step, carrying into the high word. */
    @Test
    void adamsCounterCarriesIntoTheHighWord() {
        SplittableRandom rnd = new SplittableRandom(5);
        int n = 6;
        check("adam advancing a counter", device(), new float[][] {gaussian(rnd, n), gaussian(rnd, n),
            gaussian(rnd, n), new float[n]}, new int[][] {{3}, {7, -1, 4, 0}}, (be, f, i) -> {
                for (int step = 0; step < 2; step++) be.run(TestOps.adam(n, f[0], f[1], f[2], f[3], i[0], 0, 1e-3, 0.9f,
                        0.999f, 1e-8f).advancing(IntMat.vector("counter", i[1], 1, 2)));
            });
    }

    /** The device draws the CPU's batches bit for bit: Philox, the AS241 normal with fdlibm's log, the labels. */
    @Test
    void mlpBatchesAreTheCpuBatches() {
        int rules = 5, examples = 1000, rep = 2;
        int[] words = new int[rep * 4 * rules];
        for (int r = 0; r < rep; r++) {
            System.arraycopy(new MlpTask(rules, 40 + r, r == 1).coefficientWords(), 0, words, r * 4 * rules, 4 * rules);
        }
        int[] probabilities = DoubleBits.toInts(new double[] {0.1, 0.0, 0.45, 0.25, 0.2});
        for (boolean ood : new boolean[] {false, true}) {
            for (boolean uniform : new boolean[] {true, false}) {
                for (boolean classification : new boolean[] {false, true}) {
                    String what = "mlpTaskBatch" + (ood ? " ood" : "") + (uniform ? "" : " weighted")
                            + (classification ? " classification" : "");
                    float[][] floats = {new float[rep * examples * 2], new float[rep * examples]};
                    int[][] ints = {{3, -77}, {123456789, 0x7fffffff}, words, probabilities, new int[rep * examples]};
                    checkExact(what, device(), floats, ints, (be, f, i) -> be.run(new MlpTaskBatch(rep, examples, rules,
                            classification, i[0], DataStream.TRAIN.id(), i[1], ood, i[2], uniform ? null : i[3], f[0],
                            i[4], f[1])));
                }
            }
        }
    }

    /**
     * Bit for bit in the tails too: 2 x 2^17 examples, about 78,000 normals drawn through the log branch (fdlibm's
     * log, every branch of it), where a wrong rounding or sign shows in about one float input in 5,000.
     */
    @Test
    void mlpBatchesMatchTheCpuInTheTails() {
        int rules = 4, examples = 1 << 17;
        int[] words = new MlpTask(rules, 7, false).coefficientWords();
        for (long batch : new long[] {0, 0x1_0000_0003L}) {
            float[][] floats = {new float[examples * 2], new float[examples]};
            int[][] ints = {{11}, {(int) batch, (int) (batch >>> 32)}, words, new int[examples]};
            checkExact("mlpTaskBatch tails, batch " + batch, device(), floats, ints, (be, f, i) ->
                    be.run(new MlpTaskBatch(1, examples, rules, false, i[0], DataStream.TRAIN.id(), i[1], false, i[2],
                            null,
                            f[0], i[3], f[1])));
        }
    }

    /** (heads, headDim, seqs) of the attention tests, taken in turn. */
    private static final int[][] ATTENTION_SHAPES = {{1, 5, 3}, {3, 8, 2}, {2, 32, 2}, {1, 64, 3}, {2, 128, 1},
        {4, 16, 2}};

    /**
     * Sparse top-k attention, forward then backward on the kept keys and weights the same backend wrote: outputs,
     * weights and every gradient within tolerance, the kept keys exactly (the device's scores are the CPU's bits).
     * Length 1 keeps no key: zeros.
     */
    @Test
    void attentionAgreesWithTheReference() {
        attentionAgreesAtLengths(1, 2, 3, 10, 30, 100);
    }

    /** {@link #attentionAgreesWithTheReference} at these lengths (AsanKernelsTest takes shorter ones). */
    void attentionAgreesAtLengths(int... lengths) {
        SplittableRandom rnd = new SplittableRandom(7);
        int count = 0;
        for (int length : lengths) {
            for (int topK : new int[] {1, 2, length - 1, length + 3}) {
                if (topK < 1) continue; // length 1: no key to keep
                int[] shape = ATTENTION_SHAPES[count++ % ATTENTION_SHAPES.length];
                checkAttention("attention length " + length + " top " + topK, rnd, shape[2], length, shape[0], shape[1],
                        topK, null);
            }
        }
    }

    /**
     * Equal scores (keys drawn from two vectors) go to the lower key; NaN scores (a NaN in two keys of one head)
     * rank above everything, the lower NaN key first; the NaNs spread to the same outputs as on the CPU.
     */
    @Test
    void attentionTiesAndNaNsSelectAsTheReference() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (int length : new int[] {5, 12, 40}) {
            for (int topK : new int[] {1, 3, length - 2}) {
                for (boolean nan : new boolean[] {false, true}) {
                    checkAttention("attention ties length " + length + " top " + topK + (nan ? " NaN" : ""), rnd, 2,
                            length, 2, 8, topK, (k, tokens, width) -> {
                                float[] a = gaussian(rnd, width), b = gaussian(rnd, width);
                                for (int token = 0; token < tokens; token++) {
                                    System.arraycopy(rnd.nextBoolean() ? a : b, 0, k, token * width, width);
                                }
                                if (nan) {
                                    k[3 * width + 1] = Float.NaN;          // sequence 0, key 3, head 0
                                    k[(length - 1) * width] = Float.NaN;   // sequence 0, the last key, head 0
                                }
                            });
                }
            }
        }
    }

    @Test
    void attentionRefusesSequencesLongerThanItsSharedMemory() {
        Backend device = device();
        int length = KernelGeometry.ATTN_MAX_LENGTH + 1;
        try (FloatBuf x = device.allocFloats(length); IntBuf kept = device.allocInts(length * length)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> device.run(new AttentionForward(1, length, 1, 1, 1, 1f, x, x, x, x, kept, x)));
            assertTrue(e.getMessage().contains(String.valueOf(KernelGeometry.ATTN_MAX_LENGTH)), e.getMessage());
        }
    }

    /** Fills k (tokens, width) = (seqs * length, heads * headDim) in place, for a test of special scores. */
    @FunctionalInterface
    private interface KeyFill {
        void fill(float[] k, int tokens, int width);
    }

    /** Runs attentionForward then attentionBackward on the device and on the reference; margins of 3 after each view. */
    private void checkAttention(String what, SplittableRandom rnd, int seqs, int length, int heads, int headDim, int topK,
                                KeyFill keys) {
        int tokens = seqs * length * heads * headDim + 3;
        int rows = seqs * heads * length * AttentionShape.keptKeys(topK, length) + 3;
        float scale = (float) (1 / Math.sqrt(headDim));
        float[][] f = new float[10][];
        for (int b = 0; b < f.length; b++) f[b] = gaussian(rnd, b == 4 || b == 6 ? rows : tokens);
        if (keys != null) keys.fill(f[1], seqs * length, heads * headDim);
        int[] kept = new int[rows];
        for (int r = 0; r < rows; r++) kept[r] = rnd.nextInt();
        // f: q, k, v, out, weight, gradOut, gradScore, gradQ, gradK, gradV
        check(what, device(), f, new int[][] {kept}, (be, b, i) -> {
            be.run(new AttentionForward(seqs, length, heads, headDim, topK, scale, b[0], b[1], b[2], b[3], i[0], b[4]));
            be.run(new AttentionBackward(seqs, length, heads, headDim, topK, scale, b[0], b[1], b[2], i[0], b[4], b[5],
                    b[6],
                    b[7], b[8], b[9]));
        });
    }

    /** (modules, hidden, scoring: 0 null scores, 1 given, 2 the Modular scorer) of the LSTM step tests. */
    private static final int[][] LSTM_SHAPES = {{1, 5, 0}, {1, 33, 1}, {3, 16, 2}, {4, 7, 1}, {1, 1, 2},
        {10, 3, 2}, {2, 300, 2}, {LSTM_MAX_MODULES, 2, 2}};

    /**
     * The fused LSTM step, forward then backward on the gates, cells and scores the same backend wrote, for two
     * replicas of 3 rows from row 1 of 5, c_prev, gradCPrev and the scorer at offsets and strides of their own, in
     * both gate orders: every output within tolerance. The shapes take in turn more modules than warps (10), more
     * hidden units than threads (300) and the most modules the kernel takes; gradScores and gradCPrev are null or
     * not in turn, and so are the logits out and an extra logits gradient in (ignored without the Modular scorer).
     */
    @Test
    void lstmCellAgreesWithTheReference() {
        SplittableRandom rnd = new SplittableRandom(9);
        int count = 0;
        for (int[] shape : LSTM_SHAPES) {
            for (boolean torch : new boolean[] {false, true}) {
                checkLstmCell(rnd, shape[0], shape[1], shape[2], torch, count % 2 == 0, count / 2 % 2 == 0,
                        count % 2 == 0);
                count++;
            }
        }
    }

    /** Runs lstmCellForward then lstmCellBackward on the device and on the reference; margins of 2 after each view. */
    private void checkLstmCell(SplittableRandom rnd, int modules, int hidden, int scoring, boolean torch,
                               boolean withGradScores, boolean withGradCPrev, boolean withLogits) {
        int rep = 2, rows = 3, perReplica = 5, row0 = 1;
        int gateWidth = 4 * modules * hidden, rowWords = rep * perReplica;
        int cPrevStride = rows * hidden + 3, gradCPrevStride = rows * hidden + 4, scorerStride = 2 * gateWidth + 1;
        int scorerRowsStride = rows * 2 * gateWidth + 6;
        float[] scorer = gaussian(rnd, 3 + rep * scorerStride + 2);
        for (int k = 0; k < scorer.length; k++) scorer[k] /= (float) Math.sqrt(2 * 4 * hidden); // the reference's init
        // f: input, recurrent, scorer, scores, cPrev, gates, cells, h, c, gradH, gradC, gradCPrev, gradInput,
        //    gradRecurrent, gradScores, scorerRows, logits, gradLogits
        float[][] f = {gaussian(rnd, rowWords * gateWidth + 2), gaussian(rnd, rowWords * gateWidth + 2), scorer,
            gaussian(rnd, rowWords * modules + 2), gaussian(rnd, 2 + rep * cPrevStride + 2),
            gaussian(rnd, rowWords * gateWidth + 2), gaussian(rnd, rowWords * modules * hidden + 2),
            gaussian(rnd, rowWords * hidden + 2), gaussian(rnd, rowWords * hidden + 2),
            gaussian(rnd, rowWords * hidden + 2), gaussian(rnd, rowWords * hidden + 2),
            gaussian(rnd, 1 + rep * gradCPrevStride + 2), gaussian(rnd, rowWords * gateWidth + 2),
            gaussian(rnd, rowWords * gateWidth + 2), gaussian(rnd, rowWords * modules + 2),
            gaussian(rnd, 5 + rep * scorerRowsStride + 2), gaussian(rnd, rowWords * modules + 2),
            gaussian(rnd, rowWords * modules + 2)};
        String what = "lstmCell R=" + modules + " h=" + hidden + " scoring " + scoring + (torch ? " ifgo" : " ifog")
                + (withGradScores ? " +gradScores" : "") + (withGradCPrev ? " +gradCPrev" : "")
                + (withLogits ? " +logits" : "");
        check(what, device(), f, new int[0][], (be, b, i) -> {
            FloatBuf w = scoring == 2 ? b[2] : null, scores = scoring == 0 ? null : b[3];
            FloatBuf gradCPrev = withGradCPrev ? b[11] : null, gradScores = withGradScores ? b[14] : null;
            FloatBuf logits = withLogits ? b[16] : null, gradLogits = withLogits ? b[17] : null;
            be.run(new LstmCellForward(rep, rows, perReplica, row0, modules, hidden, torch, b[0], b[1], w, 3,
                    scorerStride,
                    scores, b[4], 2, cPrevStride, b[5], b[6], b[7], b[8], logits));
            be.run(new LstmCellBackward(rep, rows, perReplica, row0, modules, hidden, torch, b[0], b[1], w, 3,
                    scorerStride,
                    scores, b[4], 2, cPrevStride, b[5], b[6], b[9], b[10], gradLogits, gradCPrev, 1, gradCPrevStride,
                    b[12], b[13], gradScores, b[15], 5, scorerRowsStride));
        });
    }

    /**
     * (modules, hidden, scoring: 0 null scores, 1 given, 2 the Modular scorer, biases 0 or 1, sequences, steps) of the
     * LSTM window tests: a group of LSTM_WINDOW_SEQUENCES sequences and one over, a lone sequence, a lone step, more
     * modules than warps, gate columns past a block's threads, and two cells past LstmWindow's limit on recurrent
     * weights (their parts launch), one with the Modular scorer.
     */
    private static final int[][] WINDOW_SHAPES = {{1, 5, 0, 1, 5, 3}, {3, 7, 2, 0, 4, 3}, {4, 6, 1, 1, 1, 3},
        {10, 3, 2, 0, 6, 1}, {2, 40, 1, 0, 3, 2}, {1, 182, 0, 1, 2, 2}, {2, 130, 2, 0, 3, 2}};

    /**
     * A window of LSTM steps forward, from the zero state and from a given one, then backward, on the device and on
     * the reference (the window's parts, step by step), for two replicas: every output within tolerance. The device
     * takes lstm_window_forward and lstm_window_backward for all but the last two shapes.
     */
    @Test
    void lstmWindowAgreesWithTheReference() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int s = 0; s < WINDOW_SHAPES.length; s++) {
            int[] shape = WINDOW_SHAPES[s];
            assertEquals(s < WINDOW_SHAPES.length - 2, LstmWindow.fuses(Precision.FP32, shape[0], shape[1]),
                    "whether the window kernels take shape " + s);
            for (boolean fromZero : new boolean[] {true, false}) {
                checkLstmWindow(rnd, shape[0], shape[1], shape[2], shape[3] != 0, shape[4], shape[5], fromZero);
            }
        }
    }

    private void checkLstmWindow(SplittableRandom rnd, int modules, int hidden, int scoring, boolean biases,
                                 int examples, int steps, boolean fromZero) {
        int rep = 2, rows = steps * examples, gateWidth = 4 * modules * hidden;
        int paramStride = gateWidth * hidden + 3 * gateWidth + 3, weightOff = 1;
        int biasOff = weightOff + gateWidth * hidden, scorerOff = biasOff + gateWidth;
        int perRow = rep * rows, state = rep * examples * hidden;
        float[] params = gaussian(rnd, rep * paramStride + 2);
        for (int k = 0; k < params.length; k++) params[k] /= (float) Math.sqrt(2 * 4 * hidden); // the reference's init
        // f: params, input, recurrent, scores, hInit, cInit, gates, cells, h, c, logits, gradH, gradC, gradLogits,
        //    gradInput, gradRecurrent, gradScores, scorerRows, grads
        float[][] f = {params, gaussian(rnd, perRow * gateWidth + 2), gaussian(rnd, perRow * gateWidth + 2),
            gaussian(rnd, perRow * modules + 2), gaussian(rnd, state + 2), gaussian(rnd, state + 2),
            gaussian(rnd, perRow * gateWidth + 2), gaussian(rnd, perRow * modules * hidden + 2),
            gaussian(rnd, perRow * hidden + 2), gaussian(rnd, perRow * hidden + 2), gaussian(rnd, perRow * modules + 2),
            gaussian(rnd, perRow * hidden + 2), gaussian(rnd, perRow * hidden + 2), gaussian(rnd, perRow * modules + 2),
            gaussian(rnd, perRow * gateWidth + 2), gaussian(rnd, perRow * gateWidth + 2),
            gaussian(rnd, perRow * modules + 2), gaussian(rnd, rep * LstmWindow.scorerRowsKept(Precision.FP32, modules,
            hidden, rows, examples) * 2 * gateWidth + 2), gaussian(rnd, rep * paramStride + 2)};
        String what = "lstmWindow R=" + modules + " h=" + hidden + " scoring " + scoring + (biases ? " +biases" : "")
                + " E=" + examples + " steps=" + steps + (fromZero ? " from zero" : " from a state");
        check(what, device(), f, new int[0][], (be, b, i) -> {
            Mat scorer = scoring == 2 ? Mat.items("scorer", b[0], scorerOff, rep, paramStride, 2 * gateWidth) : null;
            LstmWindow window = new LstmWindow(rep, examples, steps, modules, hidden, scoring == 0, Precision.FP32,
                    new Mat("weight_hh", b[0], weightOff, rep, paramStride, gateWidth, hidden, hidden),
                    biases ? Mat.items("bias_hh", b[0], biasOff, rep, paramStride, gateWidth) : null, scorer, b[1],
                    b[2], scoring == 0 ? null : b[3], b[4], b[5], b[6], b[7], b[8], b[9]);
            be.run(new LstmWindowForward(window, fromZero, b[10]));
            be.run(new LstmWindowBackward(window, b[11], b[12], b[13], b[14], b[15], scoring == 1 ? b[16] : null,
                    b[17], scorer == null ? null : Mat.items("scorer.grad", b[18], scorerOff, rep, paramStride,
                    2 * gateWidth)));
        });
    }

    /**
     * (R, in, D, rows, shared input 0 or 1) of the module MLP tests (H = D / R): a block's rows and one over, with
     * hidden units short of D; one module on one row; odd sizes; inputs per module, one block exactly; more module
     * inputs than a block's threads; then past DenseModules' limits, whose parts launch: more modules than its shared
     * memory holds, and more weights than it takes.
     */
    private static final int[][] MODULE_MLP_SHAPES = {{3, 7, 10, 9, 1}, {1, 5, 4, 1, 1}, {5, 21, 23, 17, 1},
        {2, 3, 9, 8, 0}, {8, 40, 16, 5, 0}, {65, 2, 65, 3, 1}, {3, 40, 300, 5, 1}};

    /**
     * A dense module MLP's forward and backward (ModuleMlpForward and ModuleMlpBackward) under each routing, on the
     * device and on the reference (their parts): the output, the scores, every gradient within tolerance; the first
     * shape also without the input's gradient. The device takes module_mlp_forward and module_mlp_backward for all but
     * the last two shapes.
     */
    @Test
    void moduleMlpAgreesWithTheReference() {
        for (int s = 0; s < MODULE_MLP_SHAPES.length; s++) {
            int[] shape = MODULE_MLP_SHAPES[s];
            int modules = shape[0], in = shape[1], dim = shape[2], rows = shape[3];
            boolean shared = shape[4] != 0;
            assertEquals(s < MODULE_MLP_SHAPES.length - 2, DenseModules.fuses(Precision.FP32, modules, in,
                    dim / modules, dim, dim + 1, shared), "whether the fused kernels take shape " + s);
            for (String routing : List.of("self", "op", "gt")) {
                for (boolean inputGradient : s == 0 ? new boolean[] {true, false} : new boolean[] {true}) {
                    String what = "moduleMlp " + routing + " R=" + modules + " in=" + in + " D=" + dim + " rows=" + rows
                            + (shared ? " shared input" : " input per module")
                            + (inputGradient ? "" : " no input gradient") + ": ";
                    Map<String, float[]> ref = ModuleMlpPass.run(REFERENCE, routing, modules, in, dim, rows, shared,
                            inputGradient, 30 + s);
                    Map<String, float[]> out = ModuleMlpPass.run(device(), routing, modules, in, dim, rows, shared,
                            inputGradient, 30 + s);
                    assertEquals(ref.keySet(), out.keySet(), what);
                    ref.forEach((name, values) -> KernelAgreement.assertClose(what + name, values, out.get(name)));
                }
            }
        }
    }

    @Test
    void lstmCellRefusesMoreModulesThanItsSharedMemory() {
        assertRefusesMoreModulesThan(LSTM_MAX_MODULES, 8, (x, modules) -> device().run(new LstmCellForward(1, 1, 1, 0,
                modules,
                1, false, x, x, null, 0, 0, x, x, 0, 0, x, x, x, x, null)));
    }

    /** op(x, max + 1), x a buffer of perModule (max + 1) floats, throws an IllegalArgumentException that names max. */
    private void assertRefusesMoreModulesThan(int max, int perModule, ObjIntConsumer<FloatBuf> op) {
        try (FloatBuf x = device().allocFloats(perModule * (max + 1))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> op.accept(x, max + 1));
            assertTrue(e.getMessage().contains(String.valueOf(max)), e.getMessage());
        }
    }

    /**
     * (rep, rows, R) of the router regulariser tests: one row, odd shapes, one module, rows past a block's 16 warps at 8
     * rows a warp, a segment of 32 lanes holding 33 modules, and the most modules on 1000 rows.
     */
    private static final int[][] ROUTER_SHAPES = {{1, 1, 2}, {3, 5, 3}, {2, 7, 1}, {2, 257, 4}, {1, 100, 33},
        {2, 1000, ROUTER_MAX_MODULES}};

    /** (loadBalance, zLoss, miLoss): all three, each alone, none (the gradient as it was). */
    private static final float[][] ROUTER_WEIGHTS = {{0.7f, 0.05f, 0.3f}, {1f, 0f, 0f}, {0f, 1f, 0f}, {0f, 0f, 1f},
        {0f, 0f, 0f}};

    /**
     * The router regularisers' terms and gradient on the softmax of random logits (N(0, 4)), each weight alone and all
     * together, the gradient added to zeros (then it is all there is to compare) and to random values; then on logits
     * in {-1, 0, 1}, whose many tied probabilities must count for the lower module as on the CPU. A margin after every
     * view.
     */
    @Test
    void routerRegularizersAgreeWithTheReference() {
        routerRegularizersAgreeOn(ROUTER_SHAPES);
    }

    /** {@link #routerRegularizersAgreeWithTheReference} on these (rep, rows, R) (AsanKernelsTest takes smaller ones). */
    void routerRegularizersAgreeOn(int[]... shapes) {
        SplittableRandom rnd = new SplittableRandom(10);
        for (int[] shape : shapes) {
            int n = shape[0] * shape[1] * shape[2];
            float[] logits = gaussian(rnd, n + 2), tied = new float[n + 2];
            for (int j = 0; j < n; j++) {
                logits[j] *= 2;
                tied[j] = rnd.nextInt(3) - 1;
            }
            for (float[] w : ROUTER_WEIGHTS) {
                checkRouterRegularizers(rnd, shape, "N(0, 4)", logits, w, true);
                checkRouterRegularizers(rnd, shape, "N(0, 4)", logits, w, false);
            }
            checkRouterRegularizers(rnd, shape, "in {-1, 0, 1}", tied, ROUTER_WEIGHTS[0], true);
        }
    }

    /** One call on shape (rep, rows, R) at logits and their softmax (by the reference), onto zeros or random values. */
    private void checkRouterRegularizers(SplittableRandom rnd, int[] shape, String drawn, float[] logits, float[] w,
                                         boolean zeros) {
        int rep = shape[0], rows = shape[1], modules = shape[2], n = rep * rows * modules;
        float[] probs = gaussian(rnd, n + 2); // the margin stays random
        try (FloatBuf z = REFERENCE.allocFloats(n); FloatBuf p = REFERENCE.allocFloats(n)) {
            REFERENCE.upload(logits, 0, z, 0, n);
            REFERENCE.run(TestOps.softmaxRows(rep * rows, modules, z, 0, p, 0));
            REFERENCE.download(p, 0, probs, 0, n);
        }
        float[] grad = zeros ? new float[n + 2] : gaussian(rnd, n + 2);
        check("routerRegularizers rep " + rep + " rows " + rows + " R " + modules + " weights " + Arrays.toString(w)
                        + " logits " + drawn + (zeros ? "" : " onto random values"), device(),
                new float[][] {logits, probs, gaussian(rnd, 3 * rep + 2), grad}, new int[0][],
                (be, f, i) -> be.run(new RegularizerTerms(rep, rows, modules, f[0], f[1], w[0], w[1], w[2], f[2],
                        f[3])));
    }

    @Test
    void routerRegularizersRefuseMoreModulesThanTheirSharedMemory() {
        assertRefusesMoreModulesThan(ROUTER_MAX_MODULES, 2, (x, modules) -> device().run(new RegularizerTerms(1, 1,
                modules, x,
                x, 1f, 1f, 1f, x, x)));
        assertThrows(IllegalArgumentException.class,
                () -> device().run(new RegularizerTerms(1, 0, 2, null, null, 1f, 1f, 1f, null, null)), "no rows");
    }

    /** (m, n, k) of the top-k routing tests: k = 1, k = n, modules in both halves of a lane, the most modules. */
    private static final int[][] TOPK_SHAPES = {{1, 1, 1}, {7, 5, 1}, {7, 5, 5}, {33, 8, 2}, {50, 33, 3},
        {20, TOPK_MAX_MODULES, TOPK_MAX_MODULES}, {20, TOPK_MAX_MODULES, 7}, {9, 40, 39}};

    /**
     * Top-k routing bit for bit the CPU's (chosen, and gates p / s with the CPU's sum and division), on softmaxed
     * gaussians, on probabilities from three values (ties everywhere, to the lower module), and on rows with NaNs (they
     * rank above every number, the lower NaN first), signed zeros and zeros only. A margin after every view.
     */
    @Test
    void routingTopKAgreesWithTheReference() {
        routingTopKAgreesOn(TOPK_SHAPES);
    }

    /** {@link #routingTopKAgreesWithTheReference} on these (m, n, k) (AsanKernelsTest takes fewer). */
    void routingTopKAgreesOn(int[]... shapes) {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int[] shape : shapes) {
            int m = shape[0], n = shape[1], k = shape[2];
            float[] softmax = gaussian(rnd, m * n + 3), tied = new float[m * n + 3], special = gaussian(rnd, m * n + 3);
            for (int row = 0; row < m; row++) {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += Math.exp(2 * softmax[row * n + j]);
                for (int j = 0; j < n; j++) {
                    softmax[row * n + j] = (float) (Math.exp(2 * softmax[row * n + j]) / sum);
                    tied[row * n + j] = 0.125f * (1 << rnd.nextInt(3));
                    special[row * n + j] = Math.abs(special[row * n + j]);
                }
                int kind = row % 3; // NaNs in two modules; signed zeros among numbers; zeros only
                for (int j = 0; j < n; j++) {
                    if (kind == 0 && (j == n / 2 || j == n - 1)) special[row * n + j] = Float.NaN;
                    if (kind == 1 && j % 2 == 0) special[row * n + j] = j % 4 == 0 ? -0f : 0f;
                    if (kind == 2) special[row * n + j] = j % 3 == 0 ? -0f : 0f;
                }
            }
            for (float[] probs : new float[][] {softmax, tied, special}) {
                int[] chosen = new int[m * k + 3];
                for (int j = 0; j < chosen.length; j++) chosen[j] = rnd.nextInt();
                checkExact("routingTopK m " + m + " n " + n + " k " + k + (probs == tied ? " tied" : "")
                                + (probs == special ? " NaN and zeros" : ""), device(),
                        new float[][] {probs, gaussian(rnd, m * n + 3)}, new int[][] {chosen},
                        (be, f, i) -> be.run(new RoutingTopK(m, n, k, f[0], f[1], i[0])));
            }
        }
    }

    /** chosen (rep, rows, k): k distinct modules per row, increasing, none of empty where enough others remain. */
    static int[] chosenModules(SplittableRandom rnd, int rep, int rows, int modules, int k, int... empty) {
        int[] others = IntStream.range(0, modules).filter(m -> Arrays.stream(empty).noneMatch(e -> e == m)).toArray();
        int[] pool = others.length >= k ? others : IntStream.range(0, modules).toArray();
        int[] chosen = new int[rep * rows * k];
        for (int row = 0; row < rep * rows; row++) {
            for (int j = 0; j < k; j++) { // a partial shuffle: the first k of pool
                int t = j + rnd.nextInt(pool.length - j), swap = pool[j];
                pool[j] = pool[t];
                pool[t] = swap;
            }
            int[] pick = Arrays.copyOf(pool, k);
            Arrays.sort(pick);
            System.arraycopy(pick, 0, chosen, row * k, k);
        }
        return chosen;
    }

    /** a with margin random ints after it. */
    static int[] withMargin(SplittableRandom rnd, int[] a, int margin) {
        int[] out = Arrays.copyOf(a, a.length + margin);
        for (int j = a.length; j < out.length; j++) out[j] = rnd.nextInt();
        return out;
    }

    /** The reference's moduleDispatch of chosen: pairs, starts and rowSlots. */
    static int[][] referenceDispatch(int rep, int rows, int modules, int k, int[] chosen) {
        int all = rep * rows * k;
        KernelAgreement.After after = KernelAgreement.run(REFERENCE, new float[0][], new int[][] {chosen,
            new int[all], new int[rep * (modules + 1)], new int[all]},
                (be, f, i) -> be.run(new ModuleDispatch(rep, rows, modules, k, i[0], i[1], i[2], i[3])));
        return new int[][] {after.ints()[1], after.ints()[2], after.ints()[3]};
    }

    /**
     * (rep, rows, R, k, width) of the dispatch tests: one of everything, two modules without rows, k = R, more
     * modules than a block's 8 warps at k = 1, 64 modules (two rounds of the prefix scan), no rows, width 0.
     */
    private static final int[][] SLOT_SHAPES = {{1, 1, 1, 1, 1}, {3, 11, 6, 2, 3}, {2, 9, 5, 5, 33},
        {2, 40, 12, 1, 70}, {1, 37, TOPK_MAX_MODULES, 3, 5}, {3, 0, 4, 2, 4}, {1, 5, 3, 2, 0}};

    /**
     * The permutation (pairs, starts, rowSlots exactly), then on the reference's permutation the gathers (one row
     * for every module, and a block per module), their adjoints, the combine and its backward: all bit for bit the
     * CPU's, -0 among the values (0 + -0 is +0 in the CPU's sums). Modules 1 and R - 1 get no rows where the shape
     * leaves enough others. A margin after every view.
     */
    @Test
    void slotDispatchAgreesWithTheReference() {
        slotDispatchAgreesOn(SLOT_SHAPES);
    }

    /** {@link #slotDispatchAgreesWithTheReference} on these (rep, rows, R, k, width) (AsanKernelsTest takes fewer). */
    void slotDispatchAgreesOn(int[]... shapes) {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int[] shape : shapes) {
            int rep = shape[0], rows = shape[1], modules = shape[2], k = shape[3], width = shape[4];
            int all = rep * rows * k, blocks = rep * rows * modules;
            int[] chosen = chosenModules(rnd, rep, rows, modules, k, 1, modules - 1);
            String what = " rep " + rep + " rows " + rows + " R " + modules + " k " + k + " width " + width;
            checkExact("moduleDispatch" + what, device(), new float[0][], new int[][] {withMargin(rnd, chosen, 3),
                withMargin(rnd, new int[0], all + 2), withMargin(rnd, new int[0], rep * (modules + 1) + 1),
                withMargin(rnd, new int[0], all + 3)},
                    (be, f, i) -> be.run(new ModuleDispatch(rep, rows, modules, k, i[0], i[1], i[2], i[3])));
            int[][] dispatch = referenceDispatch(rep, rows, modules, k, chosen);
            int[][] ints = {withMargin(rnd, dispatch[0], 2), withMargin(rnd, dispatch[2], 3)}; // pairs, rowSlots
            float[] perRow = gaussian(rnd, rep * rows * width + 3), perModule = gaussian(rnd, blocks * width + 3);
            float[] values = gaussian(rnd, all * width + 3);
            if (all * width > 1) {
                perRow[1] = -0f;
                perModule[1] = -0f;
                values[1] = -0f;
            }
            for (boolean blockwise : new boolean[] {false, true}) {
                String mode = (blockwise ? " per module" : " shared") + what;
                checkExact("gatherSlots" + mode, device(), new float[][] {blockwise ? perModule : perRow,
                    gaussian(rnd, all * width + 2)}, ints,
                        (be, f, i) -> be.run(new GatherSlots(rep, rows, modules, k, width, blockwise, i[0], f[0],
                                f[1])));
                checkExact("scatterSlots" + mode, device(), new float[][] {values,
                    gaussian(rnd, (blockwise ? blocks : rep * rows) * width + 2)}, ints,
                        (be, f, i) -> be.run(new ScatterSlots(rep, rows, modules, k, width, blockwise, i[0], i[1],
                                f[0], f[1])));
            }
            float[] gates = gaussian(rnd, blocks + 2);
            checkExact("combineSlots" + what, device(), new float[][] {gates, values, gaussian(rnd, rep * rows * width + 2)},
                    ints, (be, f, i) -> be.run(new CombineSlots(rep, rows, modules, k, width, i[0], i[1], f[0], f[1],
                            f[2])));
            checkExact("combineSlotsBackward" + what, device(), new float[][] {gates, values, perRow,
                gaussian(rnd, all * width + 2), gaussian(rnd, blocks + 3)}, ints, (be, f, i) ->
                    be.run(new CombineSlotsBackward(rep, rows, modules, k, width, i[0], i[1], f[0], f[1], f[2], f[3],
                            f[4])));
        }
    }

    /**
     * (rep, R, rows, k, n, kdim) of the segmented product tests: one of everything, modules without rows, segments
     * across the 64-row tiles with two column tiles, k = R with two kdim tiles in the weight gradient, kdim 0 (the
     * bias alone).
     */
    private static final int[][] SEGMENT_SHAPES = {{1, 1, 1, 1, 1, 1}, {2, 4, 13, 1, 3, 5}, {2, 3, 100, 2, 70, 33},
        {1, 6, 50, 6, 17, 70}, {2, 5, 40, 2, 9, 0}};

    /** {@link SegmentedProducts}' cases in FP32: within tolerance of the reference (FMA). */
    @Test
    void segmentedProductsAgreeWithTheReference() {
        segmentedProductsAgreeOn(SEGMENT_SHAPES);
    }

    /** {@link #segmentedProductsAgreeWithTheReference} on these (rep, R, rows, k, n, kdim) (AsanKernelsTest: fewer). */
    void segmentedProductsAgreeOn(int[]... shapes) {
        SegmentedProducts.agreeOn(device(), Precision.FP32, false, KernelAgreement::check, shapes);
    }

    /**
     * The sparse dispatch of a module layer chained on the device, each op on what the device's previous ops wrote:
     * top-2 of 5 routing, the permutation, the gather, the module products with bias and ReLU, the combine; then
     * backward: the combine's gradients, the weight gradient, the product back through w^T, the scatter. Within
     * tolerance of the same chain on the reference.
     */
    @Test
    void theSparseDispatchChainsOnTheDevice() {
        SplittableRandom rnd = new SplittableRandom(14);
        int rep = 2, rows = 37, modules = 5, k = 2, in = 6, out = 9, slots = rows * k;
        int rowSize = rep * rows, all = rep * slots, wRep = modules * in * out;
        float[] probs = gaussian(rnd, rowSize * modules);
        for (int j = 0; j < probs.length; j++) probs[j] = (float) Math.exp(probs[j]);
        // f: probs, gates, x, xSlots, w, bias, ySlots, y, dy, dySlots, dGates, gw, gb, dxSlots, dx
        float[][] f = {probs, new float[rowSize * modules], gaussian(rnd, rowSize * in), new float[all * in],
            gaussian(rnd, rep * wRep), gaussian(rnd, rep * modules * out), new float[all * out],
            new float[rowSize * out], gaussian(rnd, rowSize * out), new float[all * out], new float[rowSize * modules],
            new float[rep * wRep], new float[rep * modules * out], new float[all * in], new float[rowSize * in]};
        // i: chosen, pairs, starts, rowSlots
        int[][] ints = {new int[rowSize * k], new int[all], new int[rep * (modules + 1)], new int[all]};
        check("the sparse dispatch chained", device(), f, ints, (be, b, i) -> {
            be.run(new RoutingTopK(rowSize, modules, k, b[0], b[1], i[0]));
            be.run(new ModuleDispatch(rep, rows, modules, k, i[0], i[1], i[2], i[3]));
            be.run(new GatherSlots(rep, rows, modules, k, in, false, i[1], b[2], b[3]));
            be.run(new GemmSegmented(rep, modules, i[2], slots, false, out, in, b[3], b[4], 0, out, in * out, wRep, b[6], b[5],
                    0, out, modules * out, true, Precision.FP32));
            be.run(new CombineSlots(rep, rows, modules, k, out, i[1], i[3], b[1], b[6], b[7]));
            be.run(new CombineSlotsBackward(rep, rows, modules, k, out, i[1], i[3], b[1], b[6], b[8], b[9], b[10]));
            be.run(new GemmSegmentedWeightGrad(rep, modules, i[2], slots, out, in, b[3], b[9], b[11], 0, out, in * out, wRep,
                    b[12], 0, out, modules * out, Precision.FP32));
            be.run(new GemmSegmented(rep, modules, i[2], slots, true, in, out, b[9], b[4], 0, out, in * out, wRep, b[13], null,
                    0, 0, 0, false, Precision.FP32));
            be.run(new ScatterSlots(rep, rows, modules, k, in, false, i[1], i[3], b[13], b[14]));
        });
    }

    @Test
    void slotDispatchRefusesShapesItCannotTake() {
        Backend device = device();
        try (FloatBuf x = device.allocFloats(4 * TOPK_MAX_MODULES); IntBuf i = device.allocInts(4 * TOPK_MAX_MODULES)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> device.run(new RoutingTopK(1, TOPK_MAX_MODULES + 1, 1, x, x, i)));
            assertTrue(e.getMessage().contains(String.valueOf(TOPK_MAX_MODULES)), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> device.run(new RoutingTopK(1, 4, 0, x, x, i)), "k = 0");
            assertThrows(IllegalArgumentException.class, () -> device.run(new RoutingTopK(1, 4, 5, x, x, i)), "k > n");
            assertThrows(IllegalArgumentException.class, () -> device.run(new RoutingTopK(-1, 4, 2, x, x, i)), "m < 0");
            assertThrows(IllegalArgumentException.class, () -> device.run(new ModuleDispatch(1, 2, 3, 4, i, i, i, i)),
                    "k > R");
            assertThrows(IllegalArgumentException.class, () -> device.run(new ModuleDispatch(1, 2, 0, 1, i, i, i, i)),
                    "no R");
            assertThrows(IllegalArgumentException.class,
                    () -> device.run(new GatherSlots(-1, 2, 3, 1, 4, false, i, x, x)), "rep < 0");
            assertThrows(IllegalArgumentException.class,
                    () -> device.run(new ScatterSlots(1, 2, 3, 1, -4, true, i, i, x, x)), "width < 0");
            assertThrows(IllegalArgumentException.class,
                    () -> device.run(new CombineSlots(1, 2, 3, 0, 4, i, i, x, x, x)), "k = 0");
            assertThrows(IllegalArgumentException.class,
                    () -> device.run(new CombineSlotsBackward(1, -2, 3, 1, 4, i, i, x, x, x, x, x)), "rows < 0");
            assertThrows(IllegalArgumentException.class, () -> device.run(new GemmSegmented(1, 0, i, 2, false, 1, 1, x, x, 0,
                    1, 1, 1, x, null, 0, 0, 0, false, Precision.FP32)), "no modules");
            assertThrows(IllegalArgumentException.class, () -> device.run(new GemmSegmentedWeightGrad(1, 2, i, -1, 1, 1, x, x,
                    x, 0, 1, 1, 1, null, 0, 0, 0, Precision.FP32)), "slots < 0");
            IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
                    () -> device.run(new GatherSlots(2, 30, 3, 2, 4, false, i, x, x)), "a view beyond its buffer");
            assertTrue(beyond.getMessage().startsWith("dst: "), beyond.getMessage());
            float[] after = new float[4 * TOPK_MAX_MODULES];
            device.download(x, 0, after, 0, after.length);
            assertArrayEquals(new float[4 * TOPK_MAX_MODULES], after, "a refused op wrote nothing");
        }
    }

    /**
     * MHA batches bit for bit the CPU's: both search versions, regression and classification, in and out of
     * distribution, uniform and weighted rules, at lengths 2, 3, 10 and 30, two replicas with their own seeds and
     * data seeds; 70 sequences per replica span three blocks. The output buffers have a margin that must stay as it was.
     */
    @Test
    void mhaBatchesAreTheCpuBatches() {
        int rules = 3, examples = 70, rep = 2, margin = 3;
        int[] words = new int[rep * 4 * rules];
        for (int r = 0; r < rep; r++) {
            System.arraycopy(new MhaTask(rules, 40 + r, false, 1, 10).coefficientWords(), 0, words, r * 4 * rules,
                    4 * rules);
        }
        int[] probabilities = DoubleBits.toInts(new double[] {0.3, 0.0, 0.7});
        SplittableRandom rnd = new SplittableRandom(3);
        for (int version = 1; version <= 2; version++) {
            int features = MhaTask.features(rules, version), v = version;
            for (int length : new int[] {2, 3, 10, 30}) {
                int rows = rep * examples * length;
                for (boolean ood : new boolean[] {false, true}) {
                    for (boolean uniform : new boolean[] {true, false}) {
                        for (boolean classification : new boolean[] {false, true}) {
                            String what = "mhaTaskBatch v" + version + " length " + length + (ood ? " ood" : "")
                                    + (uniform ? "" : " weighted") + (classification ? " classification" : "");
                            float[][] floats = {gaussian(rnd, rows * features + margin), gaussian(rnd, rows + margin)};
                            int[][] ints = {{3, -77}, {123456789, 0x7fffffff}, words, probabilities,
                                new int[rows + margin]};
                            checkExact(what, device(), floats, ints, (be, f, i) -> be.run(new MhaTaskBatch(rep,
                                    examples,
                                    length, rules, v, classification, i[0], DataStream.TRAIN.id(), i[1], ood, i[2],
                                    uniform ? null : i[3], f[0], i[4], f[1])));
                        }
                    }
                }
            }
        }
    }

    /**
     * At scale: 2048 sequences of 30 tokens per search version (version 1 uniform, version 2 weighted and ood), about
     * 1.5 million features each (15% of the normals through fdlibm's log; version 2's square roots and divisions)
     * and 61,440 labels, bit for bit.
     */
    @Test
    void mhaBatchesMatchTheCpuAtScale() {
        int rules = 4, examples = 2048, length = 30;
        int[] words = new MhaTask(rules, 9, false, 2, 30).coefficientWords();
        int[] probabilities = DoubleBits.toInts(new double[] {0.4, 0.1, 0.2, 0.3});
        for (int version = 1; version <= 2; version++) {
            int rows = examples * length, v = version;
            float[][] floats = {new float[rows * MhaTask.features(rules, version)], new float[rows]};
            int[][] ints = {{17}, {5, 1}, words, probabilities, new int[rows]};
            checkExact("mhaTaskBatch at scale, v" + version, device(), floats, ints, (be, f, i) ->
                    be.run(new MhaTaskBatch(1, examples, length, rules, v, false, i[0], DataStream.EVAL.id(), i[1],
                            v == 2,
                            i[2], v == 2 ? i[3] : null, f[0], i[4], f[1])));
        }
    }

    /** (rep, RnnTask.wordsPerReplica) coefficient words: replica r from data seed seed0 + r. */
    private static int[] rnnWords(int rep, int rules, int dim, int order, int seed0) {
        int per = RnnTask.wordsPerReplica(rules, dim, order);
        int[] words = new int[rep * per];
        for (int r = 0; r < rep; r++) {
            System.arraycopy(new RnnTask(rules, seed0 + r, false, dim, order, 10).coefficientWords(), 0, words, r * per,
                    per);
        }
        return words;
    }

    /**
     * RNN batches bit for bit the CPU's: state sizes 1 (one thread of a warp), 4, 33 (a second warp) and 7 at orders
     * 1, 2 and 3, lengths 1, 3 and 12 (past every order), regression and classification, in and out of distribution,
     * uniform and weighted rules, three replicas with their own seeds and data seeds, 70 sequences each. The output
     * buffers have a margin that must stay as it was.
     */
    @Test
    void rnnBatchesAreTheCpuBatches() {
        int rules = 3, examples = 70, rep = 3, margin = 3;
        int[] probabilities = DoubleBits.toInts(new double[] {0.3, 0.0, 0.7});
        SplittableRandom rnd = new SplittableRandom(4);
        int count = 0;
        for (int[] shape : new int[][] {{1, 1}, {4, 2}, {33, 1}, {7, 3}}) {
            int dim = shape[0], order = shape[1];
            int[] words = rnnWords(rep, rules, dim, order, 40);
            for (int length : new int[] {1, 3, 12}) {
                int rows = rep * examples * length;
                for (boolean classification : new boolean[] {false, true}) {
                    boolean ood = count % 2 == 0, uniform = count % 3 != 0;
                    count++;
                    String what = "rnnTaskBatch dim " + dim + " order " + order + " length " + length
                            + (ood ? " ood" : "") + (uniform ? "" : " weighted") + (classification ? " classification" : "");
                    float[][] floats = {gaussian(rnd, rows * dim + margin),
                        gaussian(rnd, rows * (classification ? 1 : dim) + margin)};
                    int[][] ints = {{3, -77, 0x7fffffff}, {123456789, 0x7fffffff}, words, probabilities,
                        new int[rows + margin]};
                    checkExact(what, device(), floats, ints, (be, f, i) -> be.run(new RnnTaskBatch(rep, examples,
                            length, rules,
                            dim, order, classification, i[0], DataStream.TRAIN.id(), i[1], ood, i[2],
                            uniform ? null : i[3], f[0], i[4], f[1])));
                }
            }
        }
    }

    /**
     * At scale: 2 replicas of 1024 sequences of 30 steps at the reference's d = 32, regression at order 1 (uniform)
     * and classification at order 2 (weighted, ood): about 2 million features (15% of the normals through fdlibm's
     * log) and 2 million states, bit for bit.
     */
    @Test
    void rnnBatchesMatchTheCpuAtScale() {
        int rules = 4, dim = 32, examples = 1024, length = 30, rep = 2, rows = rep * examples * length;
        int[] probabilities = DoubleBits.toInts(new double[] {0.4, 0.1, 0.2, 0.3});
        for (int order = 1; order <= 2; order++) {
            boolean classification = order == 2;
            int o = order;
            float[][] floats = {new float[rows * dim], new float[rows * (classification ? 1 : dim)]};
            int[][] ints = {{17, 18}, {5, 1}, rnnWords(rep, rules, dim, order, 9), probabilities, new int[rows]};
            checkExact("rnnTaskBatch at scale, order " + order, device(), floats, ints, (be, f, i) ->
                    be.run(new RnnTaskBatch(rep, examples, length, rules, dim, o, classification, i[0],
                            DataStream.EVAL.id(),
                            i[1], classification, i[2], classification ? i[3] : null, f[0], i[4], f[1])));
        }
    }

    @Test
    void rnnBatchesRefuseShapesBeyondTheKernelsSharedMemory() {
        Backend device = device();
        try (FloatBuf x = device.allocFloats(1); IntBuf i = device.allocInts(2)) {
            for (int[] shape : new int[][] {{0, 1}, {RnnTask.MAX_DIM + 1, 1}, {4, 0}, {4, RnnTask.MAX_ORDER + 1}}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> device.run(new RnnTaskBatch(1, 1,
                        1, 2, shape[0], shape[1], false, i, 0, i, false, i, null, x, i, x)));
                assertTrue(e.getMessage().contains("dim " + shape[0]), e.getMessage());
            }
        }
    }

    @Test
    void anAccessOutsideABufferIsRefusedBeforeTheLaunch() {
        Backend device = device();
        try (FloatBuf x = device.allocFloats(10)) {
            assertThrows(IllegalArgumentException.class, () -> device.run(TestOps.fill(11, 1f, x, 0)));
            assertThrows(IllegalArgumentException.class, () -> device.run(TestOps.fill(5, 1f, x, 6)));
            float[] out = new float[10];
            device.download(x, 0, out, 0, 10);
            assertArrayEquals(new float[10], out, "a refused op wrote nothing");
        }
    }

    @Test
    void aRecordedSequenceReplaysWithTheCurrentContents() {
        Backend device = device();
        try (IntBuf counter = device.allocInts(1); FloatBuf p = device.allocFloats(1); FloatBuf g = device.allocFloats(1);
             FloatBuf m = device.allocFloats(1); FloatBuf v = device.allocFloats(1)) {
            try (Backend.Replay replay = device.record(() -> device.run(TestOps.adam(1, p, g, m, v, counter, 0, 1e-3,
                    0.9f, 0.999f, 1e-8f)))) {
                int[] out = new int[1];
                device.download(counter, 0, out, 0, 1);
                assertEquals(0, out[0], "recording runs nothing");
                for (int i = 0; i < 3; i++) replay.run();
                device.download(counter, 0, out, 0, 1);
                assertEquals(3, out[0], "three replays");
            }
        }
    }
}
