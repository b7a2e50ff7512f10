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
import org.junit.jupiter.params.provider.ValueSource;

class LinearTest {
    private static final int REP = 2;
    private static final int ROWS = 6;
    private static final int IN = 23;
    private static final int OUT = 7;
    private static final int MAX_ROWS = 9; // larger than rows: buffers are sized for maxRows

    private final Backend backend = new ScalarBackend();

    private Linear layer(boolean relu) {
        Linear lin = new Linear(backend, "lin", REP, IN, OUT, MAX_ROWS, relu);
        for (int r = 0; r < REP; r++) lin.init(r, new FastRandom(11 + r));
        return lin;
    }

    @ParameterizedTest(name = "relu={0}")
    @ValueSource(booleans = {false, true})
    void forwardMatchesTheDefinition(boolean relu) {
        SplittableRandom rng = new SplittableRandom(1);
        Linear lin = layer(relu);
        float[] x = GradCheck.uniform(rng, REP * ROWS * IN, 1);
        lin.forward(x, ROWS);
        double[] expected = new double[REP * ROWS * OUT];
        for (int r = 0; r < REP; r++) {
            for (int i = 0; i < ROWS; i++) {
                double[] y = Naive.linear(lin.weight(), lin.bias(), r, Naive.slice(x, (r * ROWS + i) * IN, IN), relu);
                System.arraycopy(y, 0, expected, (r * ROWS + i) * OUT, OUT);
            }
        }
        assertTrue(GradCheck.relErr(lin.output(), expected) < 1e-6);
        assertEquals(List.of("lin.weight", "lin.bias"), lin.params().stream().map(Param::name).toList());
        assertArrayEquals(new int[] {OUT, IN}, lin.weight().shape());
        assertArrayEquals(new int[] {OUT}, lin.bias().shape());
    }

    @ParameterizedTest(name = "relu={0}")
    @ValueSource(booleans = {false, true})
    void gradientsMatchFiniteDifferences(boolean relu) {
        SplittableRandom rng = new SplittableRandom(2);
        Linear lin = layer(relu);
        float[] x = GradCheck.uniform(rng, REP * ROWS * IN, 1);
        float[] c = GradCheck.uniform(rng, REP * ROWS * OUT, 1);
        float[] dx = new float[x.length];

        for (Param p : lin.params()) p.zeroGrad();
        lin.forward(x, ROWS);
        System.arraycopy(c, 0, lin.gradOutput(), 0, c.length);
        lin.backward(dx, false);

        GradCheck check = new GradCheck(() -> {
            lin.forward(x, ROWS);
            return GradCheck.dot(lin.output(), c);
        }, GradCheck.reluOutputs(lin), 3, 400);
        for (Param p : lin.params()) check.check(p);
        check.check("input", x, 0, x.length, dx, 0);
        check.assertPassed();
    }

    @ParameterizedTest(name = "relu={0}")
    @ValueSource(booleans = {false, true})
    void backwardAccumulatesParameterGradientsAndOptionallyTheInputGradient(boolean relu) {
        SplittableRandom rng = new SplittableRandom(4);
        Linear lin = layer(relu);
        float[] x = GradCheck.uniform(rng, REP * ROWS * IN, 1);
        float[] c = GradCheck.uniform(rng, REP * ROWS * OUT, 1);

        for (Param p : lin.params()) p.zeroGrad();
        lin.forward(x, ROWS);
        System.arraycopy(c, 0, lin.gradOutput(), 0, c.length);
        float[] dx = new float[x.length];
        lin.backward(dx, false);
        float[] dw1 = lin.weight().grad().clone();
        float[] db1 = lin.bias().grad().clone();

        // a second backward adds to the parameter gradients; accumulate=true adds to the input gradient
        float[] prior = GradCheck.uniform(rng, x.length, 1);
        float[] dxAcc = prior.clone();
        System.arraycopy(c, 0, lin.gradOutput(), 0, c.length);
        lin.backward(dxAcc, true);
        for (int i = 0; i < dw1.length; i++) assertEquals(2 * dw1[i], lin.weight().grad()[i], 1e-5f);
        for (int i = 0; i < db1.length; i++) assertEquals(2 * db1[i], lin.bias().grad()[i], 1e-5f);
        for (int i = 0; i < x.length; i++) assertEquals(prior[i] + dx[i], dxAcc[i], 1e-5f);

        // accumulate=false overwrites whatever was there
        float[] dxOver = GradCheck.uniform(rng, x.length, 1);
        System.arraycopy(c, 0, lin.gradOutput(), 0, c.length);
        lin.backward(dxOver, false);
        assertArrayEquals(dx, dxOver, 0f);

        // a null input gradient still accumulates the parameter gradients
        System.arraycopy(c, 0, lin.gradOutput(), 0, c.length);
        lin.backward(null, false);
        for (int i = 0; i < dw1.length; i++) assertEquals(4 * dw1[i], lin.weight().grad()[i], 1e-5f);
    }
}
