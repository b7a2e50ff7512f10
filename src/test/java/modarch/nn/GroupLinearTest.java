package modarch.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import modarch.backend.Backend;
import modarch.backend.cpu.ScalarBackend;
import modarch.task.FastRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GroupLinearTest {
    private static final int REP = 2;
    private static final int ROWS = 6;
    private static final int R = 5;
    private static final int DIN = 7;
    private static final int DOUT = 4;
    private static final int MAX_ROWS = 8;

    private final Backend backend = new ScalarBackend();

    private GroupLinear layer(boolean shared, boolean relu) {
        GroupLinear g = new GroupLinear(backend, "MLP.0", REP, R, DIN, DOUT, MAX_ROWS, shared, relu);
        for (int r = 0; r < REP; r++) g.init(r, new FastRandom(21 + r));
        return g;
    }

    private static int inputSize(boolean shared) {
        return REP * ROWS * (shared ? DIN : R * DIN);
    }

    @ParameterizedTest(name = "shared={0} relu={1}")
    @CsvSource({"true,false", "true,true", "false,false", "false,true"})
    void forwardMatchesTheReference(boolean shared, boolean relu) {
        SplittableRandom rng = new SplittableRandom(5);
        GroupLinear g = layer(shared, relu);
        float[] x = GradCheck.uniform(rng, inputSize(shared), 1);
        g.forward(x, ROWS);
        double[] expected = new double[REP * ROWS * R * DOUT];
        for (int r = 0; r < REP; r++) {
            for (int i = 0; i < ROWS; i++) {
                for (int m = 0; m < R; m++) {
                    int xOff = shared ? (r * ROWS + i) * DIN : ((r * ROWS + i) * R + m) * DIN;
                    double[] y = Naive.groupLinear(g.w(), g.b(), r, m, Naive.slice(x, xOff, DIN), relu);
                    System.arraycopy(y, 0, expected, ((r * ROWS + i) * R + m) * DOUT, DOUT);
                }
            }
        }
        assertTrue(GradCheck.relErr(g.output(), expected) < 1e-6);
        assertEquals(List.of("MLP.0.w", "MLP.0.b"), g.params().stream().map(Param::name).toList());
        assertArrayEquals(new int[] {R, DIN, DOUT}, g.w().shape());
        assertArrayEquals(new int[] {1, R, DOUT}, g.b().shape());
    }

    @ParameterizedTest(name = "shared={0} relu={1}")
    @CsvSource({"true,false", "true,true", "false,false", "false,true"})
    void gradientsMatchFiniteDifferences(boolean shared, boolean relu) {
        SplittableRandom rng = new SplittableRandom(6);
        GroupLinear g = layer(shared, relu);
        float[] x = GradCheck.uniform(rng, inputSize(shared), 1);
        float[] c = GradCheck.uniform(rng, REP * ROWS * R * DOUT, 1);
        float[] dx = new float[x.length];

        for (Param p : g.params()) p.zeroGrad();
        g.forward(x, ROWS);
        System.arraycopy(c, 0, g.gradOutput(), 0, c.length);
        g.backward(dx, false);

        GradCheck check = new GradCheck(() -> {
            g.forward(x, ROWS);
            return GradCheck.dot(g.output(), c);
        }, GradCheck.reluOutputs(g), 7, 400);
        for (Param p : g.params()) check.check(p);
        check.check("input", x, 0, x.length, dx, 0);
        check.assertPassed();
    }

    @ParameterizedTest(name = "shared={0}")
    @CsvSource({"true", "false"})
    void accumulateAddsToTheInputGradient(boolean shared) {
        SplittableRandom rng = new SplittableRandom(8);
        GroupLinear g = layer(shared, true);
        float[] x = GradCheck.uniform(rng, inputSize(shared), 1);
        float[] c = GradCheck.uniform(rng, REP * ROWS * R * DOUT, 1);
        g.forward(x, ROWS);
        System.arraycopy(c, 0, g.gradOutput(), 0, c.length);
        float[] dx = GradCheck.uniform(rng, x.length, 1); // overwritten when accumulate is false
        g.backward(dx, false);
        float[] prior = GradCheck.uniform(rng, x.length, 1);
        float[] dxAcc = prior.clone();
        System.arraycopy(c, 0, g.gradOutput(), 0, c.length);
        g.backward(dxAcc, true);
        for (int i = 0; i < x.length; i++) assertEquals(prior[i] + dx[i], dxAcc[i], 1e-5f);
    }
}
