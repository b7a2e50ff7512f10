package modarch.backend;

import static modarch.TestBuffers.of;
import static modarch.TestBuffers.ofInts;
import static modarch.TestBuffers.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.backend.ops.GemmSegmented;
import modarch.backend.ops.GemmSegmentedWeightGrad;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Top-k routing's segmented products in TF32 and 3xTF32 on the CPU backends: the reference rounds as Gemm's does (in
 * TF32, the FP32 segmented products of inputs rounded to TF32, bit for bit; the bias gradient stays FP32), and the
 * vector backend agrees with the reference of each precision within {@link GemmPrecisionTest}'s bound, its bits the
 * same for one and two threads.
 */
class SegmentedPrecisionTest {
    private static final Backend REF = new ScalarBackend();
    private static final Parallel ONE = new Parallel(1), TWO = new Parallel(2);
    private static final Backend SERIAL = new VectorBackend(ONE), PARALLEL = new VectorBackend(TWO);
    private static final int REP = 2, MODULES = 4, SLOTS = 45, N = 19, KDIM = 33;
    private static final int W_REP = MODULES * KDIM * N, BIAS_REP = MODULES * N;
    /** starts (rep, R + 1): module 1 of replica 0 and modules 2 and 3 of replica 1 have no rows. */
    private static final int[] STARTS = {0, 10, 10, 40, 45, 0, 20, 45, 45, 45};

    @AfterAll
    static void close() {
        ONE.close();
        TWO.close();
    }

    /** c (rep, slots, n) of the forward, then gw and gb after the weight gradient. */
    private record After(float[] c, float[] gw, float[] gb) {
    }

    /** Inputs a (rep, slots, kdim), w (rep, R, kdim x n), bias (rep, R, n), d (rep, slots, n), gw as w, gb as bias. */
    private static float[][] inputs(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        return new float[][] {gaussian(rnd, REP * SLOTS * KDIM), gaussian(rnd, REP * W_REP), gaussian(rnd, REP * BIAS_REP),
            gaussian(rnd, REP * SLOTS * N), gaussian(rnd, REP * W_REP), gaussian(rnd, REP * BIAS_REP)};
    }

    /** c = relu(a . op(w_m) + bias_m) (w_m stored (n, kdim) when transW), then gw += a^T d, gb += d's column sums. */
    private static After run(Backend backend, float[][] in, boolean transW, Precision precision) {
        try (IntBuf starts = ofInts(backend, STARTS); FloatBuf a = of(backend, in[0]); FloatBuf w = of(backend, in[1]);
             FloatBuf bias = of(backend, in[2]); FloatBuf d = of(backend, in[3]); FloatBuf gw = of(backend, in[4]);
             FloatBuf gb = of(backend, in[5]); FloatBuf c = backend.allocFloats(REP * SLOTS * N)) {
            backend.run(new GemmSegmented(REP, MODULES, starts, SLOTS, transW, N, KDIM, a, w, 0, transW ? KDIM : N,
                    KDIM * N, W_REP, c, bias, 0, N, BIAS_REP, true, precision));
            backend.run(new GemmSegmentedWeightGrad(REP, MODULES, starts, SLOTS, N, KDIM, a, d, gw, 0, N, KDIM * N,
                    W_REP, gb, 0, N, BIAS_REP, precision));
            return new After(read(backend, c), read(backend, gw), read(backend, gb));
        }
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) rnd.nextGaussian();
        return out;
    }

    /** in with f applied to the buffers at indices. */
    private static float[][] map(float[][] in, DoubleUnaryOperator f, int... indices) {
        float[][] out = in.clone();
        for (int b : indices) {
            out[b] = new float[in[b].length];
            for (int i = 0; i < in[b].length; i++) out[b][i] = (float) f.applyAsDouble(in[b][i]);
        }
        return out;
    }

    @Test
    void tf32IsTheFp32ReferenceOnRoundedInputs() {
        float[][] in = inputs(21);
        float[][] rounded = map(in, x -> Precision.tf32((float) x), 0, 1, 3); // a, w and d: the products' inputs
        for (boolean transW : new boolean[] {false, true}) {
            After tf32 = run(REF, in, transW, Precision.TF32), onRounded = run(REF, rounded, transW, Precision.FP32);
            assertArrayEquals(onRounded.c(), tf32.c(), "c, transW " + transW);
            assertArrayEquals(onRounded.gw(), tf32.gw(), "gw, transW " + transW);
            assertArrayEquals(run(REF, in, transW, Precision.FP32).gb(), tf32.gb(), "gb is FP32 in any precision");
        }
    }

    /**
     * As GemmPrecisionTest's bound: products of TF32 values are exact, so the vector backend and the reference differ
     * only in the order of the sums and in when the accumulated gw joins them, at most (3k + 3) roundings of 2^-24
     * of the sum of the terms' magnitudes (k: kdim for c, a segment's rows, at most slots, for gw); gb's column sums
     * are the same code on both.
     */
    @Test
    void theVectorBackendAgreesWithTheReferenceOfEachPrecision() {
        float[][] in = inputs(22);
        float[][] magnitudes = map(in, Math::abs, 0, 1, 2, 3, 4, 5);
        for (Precision precision : new Precision[] {Precision.TF32, Precision.TF32X3}) {
            for (boolean transW : new boolean[] {false, true}) {
                String what = precision + (transW ? " transW" : "");
                After want = run(REF, in, transW, precision), serial = run(SERIAL, in, transW, precision);
                After parallel = run(PARALLEL, in, transW, precision);
                assertArrayEquals(serial.c(), parallel.c(), what + ": c, 1 and 2 threads");
                assertArrayEquals(serial.gw(), parallel.gw(), what + ": gw, 1 and 2 threads");
                assertArrayEquals(want.gb(), serial.gb(), what + ": gb");
                After scale = run(REF, magnitudes, transW, Precision.FP32);
                within(what + ": c", want.c(), serial.c(), scale.c(), KDIM);
                within(what + ": gw", want.gw(), serial.gw(), scale.gw(), SLOTS);
            }
        }
    }

    private static void within(String what, float[] want, float[] got, float[] scale, int k) {
        for (int i = 0; i < want.length; i++) {
            double bound = (3.0 * k + 3) * 0x1p-24 * scale[i] * 1.01;
            assertTrue(Math.abs(want[i] - got[i]) <= bound, what + " element " + i + ": " + want[i] + " against "
                    + got[i] + ", bound " + bound);
        }
    }
}
