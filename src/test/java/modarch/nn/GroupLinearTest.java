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
import org.junit.jupiter.params.provider.CsvSource;

class GroupLinearTest {
    private static final int REP = 2;
    private static final int ROWS = 6;
    private static final int R = 5;
    private static final int DIN = 7;
    private static final int DOUT = 4;
    private static final int MAX_ROWS = 8;

    private final Backend backend = new ScalarBackend();
    private final List<AutoCloseable> open = new ArrayList<>();
    private Workspace ws;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    /** A layer whose replicas are initialised from different seeds (21 + r). */
    private GroupLinear layer(boolean shared, boolean relu) {
        ws = new Workspace(backend, REP);
        open.add(ws);
        GroupLinear g = new GroupLinear(ws, "MLP.0", R, DIN, DOUT, MAX_ROWS, shared, relu);
        TestParams.allocateAndInit(ws.params(), 21, g::init);
        return g;
    }

    private FloatBuf buf(float[] values) {
        FloatBuf b = TestBuffers.of(backend, values);
        open.add(b);
        return b;
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
        g.forward(buf(x), ROWS);
        double[] expected = new double[REP * ROWS * R * DOUT];
        for (int r = 0; r < REP; r++) {
            float[] v = ws.params().download(ws.params().data(), r);
            for (int i = 0; i < ROWS; i++) {
                for (int m = 0; m < R; m++) {
                    int xOff = shared ? (r * ROWS + i) * DIN : ((r * ROWS + i) * R + m) * DIN;
                    double[] y = Naive.groupLinear(v, g.w(), g.b(), m, Naive.slice(x, xOff, DIN), relu);
                    System.arraycopy(y, 0, expected, ((r * ROWS + i) * R + m) * DOUT, DOUT);
                }
            }
        }
        double err = TestBuffers.relativeError(GradCheck.read(backend, g.output(), expected.length), expected);
        assertTrue(err < 1e-6, "relative error " + err);
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
        FloatBuf xb = buf(x);
        FloatBuf dxb = buf(new float[x.length]);

        ws.params().zeroGrad();
        g.forward(xb, ROWS);
        backend.upload(c, 0, g.gradOutput(), 0, c.length);
        g.backward(dxb, false);
        float[] dx = TestBuffers.read(backend, dxb);

        GradCheck check = new GradCheck(backend, () -> {
            g.forward(xb, ROWS);
            return GradCheck.dot(backend, g.output(), c);
        }, GradCheck.reluOutputs(g), 7, 400);
        for (Param p : g.params()) check.check(ws.params(), p);
        check.check("input", xb, 0, x.length, dx, 0);
        check.assertPassed();
    }

    @ParameterizedTest(name = "shared={0}")
    @CsvSource({"true", "false"})
    void accumulateAddsToTheInputGradient(boolean shared) {
        SplittableRandom rng = new SplittableRandom(8);
        GroupLinear g = layer(shared, true);
        float[] x = GradCheck.uniform(rng, inputSize(shared), 1);
        float[] c = GradCheck.uniform(rng, REP * ROWS * R * DOUT, 1);
        g.forward(buf(x), ROWS);
        backend.upload(c, 0, g.gradOutput(), 0, c.length);
        FloatBuf dxb = buf(GradCheck.uniform(rng, x.length, 1)); // overwritten when accumulate is false
        g.backward(dxb, false);
        float[] dx = TestBuffers.read(backend, dxb);
        float[] prior = GradCheck.uniform(rng, x.length, 1);
        FloatBuf dxAcc = buf(prior);
        backend.upload(c, 0, g.gradOutput(), 0, c.length);
        g.backward(dxAcc, true);
        float[] acc = TestBuffers.read(backend, dxAcc);
        for (int i = 0; i < x.length; i++) assertEquals(prior[i] + dx[i], acc[i], 1e-5f);
    }
}
