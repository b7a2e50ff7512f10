package modarch.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.cpu.ScalarBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LinearTest {
    private static final int REP = 2;
    private static final int ROWS = 6;
    private static final int IN = 23;
    private static final int OUT = 7;
    private static final int MAX_ROWS = 9; // larger than rows: buffers are sized for maxRows

    private final Backend backend = new ScalarBackend();
    private final List<AutoCloseable> open = new ArrayList<>();
    private Workspace ws;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    /** A layer whose replicas are initialised from different seeds (11 + r). */
    private Linear layer(boolean relu) {
        ws = new Workspace(backend, REP);
        open.add(ws);
        Linear lin = new Linear(ws, "lin", IN, OUT, MAX_ROWS, relu);
        TestParams.allocateAndInit(ws.params(), 11, lin::init);
        return lin;
    }

    private FloatBuf buf(float[] values) {
        FloatBuf b = TestBuffers.of(backend, values);
        open.add(b);
        return b;
    }

    private float[] grad(Param p) {
        return TestParams.grad(backend, ws.params(), p);
    }

    @ParameterizedTest(name = "relu={0}")
    @ValueSource(booleans = {false, true})
    void forwardMatchesTheDefinition(boolean relu) {
        SplittableRandom rng = new SplittableRandom(1);
        Linear lin = layer(relu);
        float[] x = GradCheck.uniform(rng, REP * ROWS * IN, 1);
        lin.forward(buf(x), ROWS);
        double[] expected = new double[REP * ROWS * OUT];
        for (int r = 0; r < REP; r++) {
            float[] v = ws.params().download(ws.params().data(), r);
            for (int i = 0; i < ROWS; i++) {
                double[] y = Naive.linear(v, lin.weight(), lin.bias(), Naive.slice(x, (r * ROWS + i) * IN, IN), relu);
                System.arraycopy(y, 0, expected, (r * ROWS + i) * OUT, OUT);
            }
        }
        double err = TestBuffers.relativeError(GradCheck.read(backend, lin.output(), expected.length), expected);
        assertTrue(err < 1e-6, "relative error " + err);
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
        FloatBuf xb = buf(x);
        FloatBuf dxb = buf(new float[x.length]);

        ws.params().zeroGrad();
        lin.forward(xb, ROWS);
        backend.upload(c, 0, lin.gradOutput(), 0, c.length);
        lin.backward(dxb, false);
        float[] dx = TestBuffers.read(backend, dxb);

        GradCheck check = new GradCheck(backend, () -> {
            lin.forward(xb, ROWS);
            return GradCheck.dot(backend, lin.output(), c);
        }, GradCheck.reluOutputs(lin), 3, 400);
        for (Param p : lin.params()) check.check(ws.params(), p);
        check.check("input", xb, 0, x.length, dx, 0);
        check.assertPassed();
    }

    @ParameterizedTest(name = "relu={0}")
    @ValueSource(booleans = {false, true})
    void backwardAccumulatesParameterGradientsAndOptionallyTheInputGradient(boolean relu) {
        SplittableRandom rng = new SplittableRandom(4);
        Linear lin = layer(relu);
        float[] x = GradCheck.uniform(rng, REP * ROWS * IN, 1);
        float[] c = GradCheck.uniform(rng, REP * ROWS * OUT, 1);

        ws.params().zeroGrad();
        lin.forward(buf(x), ROWS);
        backend.upload(c, 0, lin.gradOutput(), 0, c.length);
        FloatBuf dxb = buf(new float[x.length]);
        lin.backward(dxb, false);
        float[] dx = TestBuffers.read(backend, dxb);
        float[] dw1 = grad(lin.weight());
        float[] db1 = grad(lin.bias());

        // a second backward adds to the parameter gradients; accumulate=true adds to the input gradient
        float[] prior = GradCheck.uniform(rng, x.length, 1);
        FloatBuf dxAcc = buf(prior);
        backend.upload(c, 0, lin.gradOutput(), 0, c.length);
        lin.backward(dxAcc, true);
        float[] dw2 = grad(lin.weight());
        float[] db2 = grad(lin.bias());
        float[] acc = TestBuffers.read(backend, dxAcc);
        for (int i = 0; i < dw1.length; i++) assertEquals(2 * dw1[i], dw2[i], 1e-5f);
        for (int i = 0; i < db1.length; i++) assertEquals(2 * db1[i], db2[i], 1e-5f);
        for (int i = 0; i < x.length; i++) assertEquals(prior[i] + dx[i], acc[i], 1e-5f);

        // accumulate=false overwrites whatever was there
        FloatBuf dxOver = buf(GradCheck.uniform(rng, x.length, 1));
        backend.upload(c, 0, lin.gradOutput(), 0, c.length);
        lin.backward(dxOver, false);
        assertArrayEquals(dx, TestBuffers.read(backend, dxOver), 0f);

        // a null input gradient still accumulates the parameter gradients
        backend.upload(c, 0, lin.gradOutput(), 0, c.length);
        lin.backward(null, false);
        float[] dw4 = grad(lin.weight());
        for (int i = 0; i < dw1.length; i++) assertEquals(4 * dw1[i], dw4[i], 1e-5f);
    }
}
