package modarch.backend;

import static modarch.TestBuffers.of;
import static modarch.TestBuffers.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.VectorBackend;
import modarch.backend.ops.LstmCellForward;
import org.junit.jupiter.api.Test;

/**
 * The vector LSTM cell gives the same bits on its first, interpreted, call as once the JIT has compiled it: a run's
 * bits must not depend on when compilation happens (the Vector API's EXP and TANH did, in a few lanes in a hundred).
 */
class LstmCellJitTest {
    @Test
    void theFirstCallAndACompiledOneGiveTheSameBits() {
        int rows = 6, modules = 2, hidden = 64, width = 4 * hidden;
        SplittableRandom rnd = new SplittableRandom(5);
        try (Parallel pool = new Parallel(1)) {
            Backend backend = new VectorBackend(pool);
            try (FloatBuf input = of(backend, gaussian(rnd, rows * modules * width, 3));
                 FloatBuf recurrent = of(backend, gaussian(rnd, rows * modules * width, 3));
                 FloatBuf scores = of(backend, gaussian(rnd, rows * modules, 1));
                 FloatBuf cPrev = of(backend, gaussian(rnd, rows * hidden, 1));
                 FloatBuf gates = backend.allocFloats(rows * modules * width);
                 FloatBuf cells = backend.allocFloats(rows * modules * hidden);
                 FloatBuf h = backend.allocFloats(rows * hidden); FloatBuf c = backend.allocFloats(rows * hidden)) {
                LstmCellForward step = new LstmCellForward(1, rows, rows, 0, modules, hidden, false, input, recurrent,
                        null, 0, 0, scores, cPrev, 0, rows * hidden, gates, cells, h, c, null);
                backend.run(step);
                float[] cold = read(backend, gates), coldH = read(backend, h);
                for (int i = 0; i < 20_000; i++) backend.run(step);
                assertArrayEquals(cold, read(backend, gates), "gates");
                assertArrayEquals(coldH, read(backend, h), "h");
            }
        }
    }

    private static float[] gaussian(SplittableRandom rnd, int n, double sd) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (rnd.nextGaussian() * sd);
        return out;
    }
}
