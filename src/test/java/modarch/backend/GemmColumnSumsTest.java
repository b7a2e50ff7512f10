package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.Gemm;
import org.junit.jupiter.api.Test;

/**
 * {@link Gemm#columnSums} on the CPU backends: the same bits as the product followed by its own
 * {@link ColumnSumAccumulate}, in every precision and on 1 and 2 threads (a bias gradient keeps its bits when it moves
 * into its weight gradient's op), and a refusal of sums that are not over one of the product's operands.
 */
class GemmColumnSumsTest {
    private static final int M = 37, N = 70, K = 129, BATCH = 3;

    /** a (BATCH, K, M) transposed, b (BATCH, K, N), c (BATCH, M, N), sums (BATCH, M) then (BATCH, N). */
    private static Gemm product(Backend backend, FloatBuf[] f, Precision precision) {
        Mat a = new Mat("a", f[0], 0, BATCH, K * M, K, M, M);
        Mat b = new Mat("b", f[1], 0, BATCH, K * N, K, N, N);
        return Gemm.of(a, true, b, false, new Mat("c", f[2], 0, BATCH, M * N, M, N, N)).accumulate(true)
                .precision(precision);
    }

    private static ColumnSumAccumulate sumsOfA(FloatBuf[] f) {
        return new ColumnSumAccumulate(new Mat("a", f[0], 0, BATCH, K * M, K, M, M), Mat.items("sa", f[3], 0, BATCH, M, M));
    }

    private static ColumnSumAccumulate sumsOfB(FloatBuf[] f) {
        return new ColumnSumAccumulate(new Mat("b", f[1], 0, BATCH, K * N, K, N, N),
                Mat.items("sb", f[3], BATCH * M, BATCH, N, N));
    }

    /** The buffers after run on backend, from the same random contents. */
    private static float[][] after(Backend backend, Consumer<FloatBuf[]> run) {
        SplittableRandom rnd = new SplittableRandom(41);
        int[] sizes = {BATCH * K * M, BATCH * K * N, BATCH * M * N, BATCH * (M + N)};
        FloatBuf[] f = new FloatBuf[sizes.length];
        float[][] out = new float[sizes.length][];
        for (int j = 0; j < sizes.length; j++) {
            float[] x = new float[sizes[j]];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            f[j] = backend.allocFloats(x.length);
            backend.upload(x, 0, f[j], 0, x.length);
        }
        run.accept(f);
        for (int j = 0; j < sizes.length; j++) {
            out[j] = new float[sizes[j]];
            backend.download(f[j], 0, out[j], 0, sizes[j]);
            f[j].close();
        }
        return out;
    }

    @Test
    void sumsBesideTheProductHaveTheBitsOfTheirOwnOp() {
        try (Parallel one = new Parallel(1); Parallel two = new Parallel(2)) {
            Backend scalar = new ScalarBackend();
            for (Precision precision : Precision.values()) {
                float[][] apart = after(scalar, f -> {
                    scalar.run(product(scalar, f, precision));
                    scalar.run(sumsOfA(f));
                    scalar.run(product(scalar, f, precision));
                    scalar.run(sumsOfB(f));
                });
                for (Backend backend : new Backend[] {scalar, new VectorBackend(one), new VectorBackend(two)}) {
                    float[][] fused = after(backend, f -> {
                        backend.run(product(backend, f, precision).columnSums(sumsOfA(f)));
                        backend.run(product(backend, f, precision).columnSums(sumsOfB(f)));
                    });
                    float[][] reference = backend == scalar ? apart : after(backend, f -> {
                        backend.run(product(backend, f, precision));
                        backend.run(sumsOfA(f));
                        backend.run(product(backend, f, precision));
                        backend.run(sumsOfB(f));
                    });
                    for (int j = 0; j < fused.length; j++) {
                        assertArrayEquals(reference[j], fused[j], backend.name() + " " + precision + ", buffer " + j);
                    }
                    assertArrayEquals(apart[3], fused[3], backend.name() + " " + precision + ": the sums");
                }
            }
        }
    }

    @Test
    void sumsOverNoOperandOfTheProductAreRefused() {
        Backend scalar = new ScalarBackend();
        FloatBuf[] f = new FloatBuf[4];
        int[] sizes = {BATCH * K * M, BATCH * K * N, BATCH * M * N, BATCH * (M + N)};
        for (int j = 0; j < f.length; j++) f[j] = scalar.allocFloats(sizes[j]);
        Gemm product = product(scalar, f, Precision.FP32);
        // c is no operand; b transposed would sum its rows, not op(B)'s columns
        ColumnSumAccumulate ofC = new ColumnSumAccumulate(product.c(), Mat.items("s", f[3], 0, BATCH, N, N));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> product.columnSums(ofC));
        assertTrue(e.getMessage().contains("neither a transposed a nor an untransposed b"), e.getMessage());
        Gemm transposedB = Gemm.of(product.a(), true, new Mat("b", f[1], 0, BATCH, K * N, N, K, K), true, product.c());
        ColumnSumAccumulate ofB = new ColumnSumAccumulate(transposedB.b(), Mat.items("s", f[3], 0, BATCH, 0, K));
        assertThrows(IllegalArgumentException.class, () -> transposedB.columnSums(ofB));
    }
}
