package modarch.backend;

import static modarch.TestBuffers.of;
import static modarch.TestBuffers.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.backend.ops.Gemm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The products in TF32 and 3xTF32: the reference's meaning (the FP32 reference on rounded inputs, for TF32), the
 * vector backend against it at odd shapes with transposes, groups and the epilogue, its bits whatever the thread
 * count, and the accuracy each precision buys.
 */
class GemmPrecisionTest {
    private static final Backend REF = new ScalarBackend();
    private static final Parallel ONE = new Parallel(1), TWO = new Parallel(2);
    private static final Backend SERIAL = new VectorBackend(ONE), PARALLEL = new VectorBackend(TWO);
    private static final int[][] SHAPES = {{1, 1, 1}, {3, 17, 33}, {17, 5, 130}, {64, 65, 17}, {33, 1, 64}, {2, 9, 0}};

    @AfterAll
    static void close() {
        ONE.close();
        TWO.close();
    }

    /** Item (g, i) of a 2 x 3 grouped product over shared random operands, C accumulated, bias and ReLU. */
    private record Case(int m, int n, int k, boolean transA, boolean transB, Precision precision) {
        static final int GROUPS = 2, BATCH = 3;

        int aSize() {
            return m * k;
        }

        int bSize() {
            return k * n;
        }

        Gemm op(FloatBuf a, FloatBuf b, FloatBuf c, FloatBuf bias) {
            return TestOps.gemmGrouped(GROUPS, BATCH * aSize(), BATCH * bSize(), BATCH * m * n, BATCH * n, BATCH,
                    transA, transB, m, n, k, a, 0, transA ? m : k, aSize(), b, 0, transB ? k : n, bSize(), c, 0, n,
                    m * n, true, bias, 0, n, true).precision(precision);
        }

        float[][] inputs(long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int items = GROUPS * BATCH;
            return new float[][] {gaussian(rnd, items * aSize()), gaussian(rnd, items * bSize()),
                gaussian(rnd, items * m * n), gaussian(rnd, items * n)};
        }

        /** C after the product on backend from inputs (a, b, c, bias), in precision as. */
        float[] run(Backend backend, float[][] in, Precision as) {
            try (FloatBuf a = of(backend, in[0]); FloatBuf b = of(backend, in[1]); FloatBuf c = of(backend, in[2]);
                 FloatBuf bias = of(backend, in[3])) {
                backend.run(new Case(m, n, k, transA, transB, as).op(a, b, c, bias));
                return read(backend, c);
            }
        }
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) rnd.nextGaussian();
        return out;
    }

    /** f of each element of x. */
    private static float[] map(float[] x, DoubleUnaryOperator f) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) f.applyAsDouble(x[i]);
        return out;
    }

    /** The TF32 reference is the FP32 reference on inputs rounded to TF32, bit for bit (the products are exact). */
    @Test
    void tf32IsTheFp32ReferenceOnRoundedInputs() {
        for (int[] s : SHAPES) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    Case tf32 = new Case(s[0], s[1], s[2], transA, transB, Precision.TF32);
                    float[][] in = tf32.inputs(s[0] * 31L + s[2]);
                    DoubleUnaryOperator toTf32 = x -> Precision.tf32((float) x);
                    float[][] pre = {map(in[0], toTf32), map(in[1], toTf32), in[2], in[3]};
                    assertArrayEquals(tf32.run(REF, pre, Precision.FP32), tf32.run(REF, in, Precision.TF32), tf32.toString());
                }
            }
        }
    }

    /**
     * The vector backend against the reference of each precision: products of TF32 values are exact, so the two
     * differ only in the order of the sums and in when C joins them (after each pass on the vector backend, after all
     * three in the reference), at most (3k + 3) roundings of 2^-24 of the sum of the terms' magnitudes; and its bits
     * do not depend on the thread count.
     */
    @Test
    void theVectorBackendAgreesWithTheReferenceOfItsPrecision() {
        for (Precision precision : new Precision[] {Precision.TF32, Precision.TF32X3}) {
            for (int[] s : SHAPES) {
                for (boolean transA : new boolean[] {false, true}) {
                    for (boolean transB : new boolean[] {false, true}) {
                        Case c = new Case(s[0], s[1], s[2], transA, transB, precision);
                        float[][] in = c.inputs(s[1] * 17L + s[2]);
                        float[] want = c.run(REF, in, precision), serial = c.run(SERIAL, in, precision);
                        assertArrayEquals(serial, c.run(PARALLEL, in, precision), c + ": 1 and 2 threads");
                        float[][] magnitudes = {map(in[0], Math::abs), map(in[1], Math::abs), map(in[2], Math::abs),
                            map(in[3], Math::abs)};
                        float[] scale = c.run(REF, magnitudes, Precision.FP32);
                        for (int i = 0; i < want.length; i++) {
                            double bound = (3.0 * s[2] + 3) * 0x1p-24 * scale[i] * 1.01;
                            assertTrue(Math.abs(want[i] - serial[i]) <= bound, c + " element " + i + ": " + want[i]
                                    + " against " + serial[i] + ", bound " + bound);
                        }
                    }
                }
            }
        }
    }

    /** Against a double-precision product: 3xTF32 is FP32-class, TF32 some hundred times worse. */
    @Test
    void threeTf32ProductsBuyBackFp32Accuracy() {
        Case c = new Case(48, 40, 512, false, true, Precision.FP32);
        float[][] in = c.inputs(7);
        in[2] = new float[in[2].length]; // C = 0 and no ReLU effect on the comparison: compare before the epilogue
        double[] error = new double[3];
        Precision[] precisions = Precision.values();
        for (int p = 0; p < precisions.length; p++) {
            float[] got = c.run(REF, in, precisions[p]);
            double[] exact = exact(c, in);
            for (int i = 0; i < got.length; i++) {
                if (exact[i] > 0) error[p] = Math.max(error[p], Math.abs(got[i] - exact[i]));
            }
        }
        assertTrue(error[2] < 4 * error[0], "3xtf32 " + error[2] + " against fp32 " + error[0]);
        assertTrue(error[1] > 50 * error[0], "tf32 " + error[1] + " against fp32 " + error[0]);
    }

    /** The case's C in double: act(sum of products + bias), C starting at 0, ReLU applied. */
    private static double[] exact(Case c, float[][] in) {
        int items = Case.GROUPS * Case.BATCH;
        double[] out = new double[items * c.m() * c.n()];
        for (int item = 0; item < items; item++) {
            for (int i = 0; i < c.m(); i++) {
                for (int j = 0; j < c.n(); j++) {
                    double sum = in[3][item * c.n() + j];
                    for (int p = 0; p < c.k(); p++) {
                        double av = in[0][item * c.aSize() + i * c.k() + p];     // not transA: (m, k)
                        double bv = in[1][item * c.bSize() + j * c.k() + p];     // transB: (n, k)
                        sum += av * bv;
                    }
                    out[(item * c.m() + i) * c.n() + j] = Math.max(sum, 0);
                }
            }
        }
        return out;
    }
}
