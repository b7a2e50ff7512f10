package modarch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.nn.GradCheck;
import modarch.nn.Param;
import modarch.nn.TestParams;
import modarch.task.Batch;
import modarch.task.FastRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole model, forward and backward, on the Vector API backend against the scalar reference; and the
 * promise that replicas are bit-identical to single runs.
 */
class BackendAgreementTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close(); // models and batches before their backend
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    /** Random rows for rep replicas: a, b, rule and the gradient of the predictions, each (rep, rows). */
    private record Inputs(float[] a, float[] b, int[] rule, float[] dPred) {
        static Inputs random(long seed, int rep, int rows, int rules) {
            FastRandom rng = new FastRandom(seed);
            int n = rep * rows;
            float[] a = new float[n], b = new float[n], dPred = new float[n];
            int[] rule = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) rng.gaussian();
                b[i] = (float) rng.gaussian();
                rule[i] = rng.nextInt(rules);
                dPred[i] = (float) rng.gaussian() / rows;
            }
            return new Inputs(a, b, rule, dPred);
        }

        /** Replica r's rows alone, as the inputs of a one-replica run. */
        Inputs replica(int r, int rows) {
            return new Inputs(Arrays.copyOfRange(a, r * rows, (r + 1) * rows), Arrays.copyOfRange(b, r * rows, (r + 1) * rows),
                    Arrays.copyOfRange(rule, r * rows, (r + 1) * rows), Arrays.copyOfRange(dPred, r * rows, (r + 1) * rows));
        }
    }

    /** A model of rep replicas, replica r initialised from seeds[r], after one forward and backward. */
    private MlpModel run(Backend backend, ModelKind kind, int rules, int enc, int dim, int rows, long[] seeds,
                         Inputs in) {
        int rep = seeds.length;
        MlpModel model = track(new MlpModel(backend, rep, new ModelSpec(kind, rules, enc, dim), rows));
        for (int r = 0; r < rep; r++) model.init(r, seeds[r]);
        Batch batch = track(TestBatches.of(backend, rep, rows, rows, in.a(), in.b(), in.rule(), null));
        model.arena().zeroGrad();
        model.forward(batch);
        backend.upload(in.dPred(), 0, model.gradPredictions(), 0, rep * rows);
        model.backward();
        return model;
    }

    @ParameterizedTest
    @CsvSource({"5, 7, 23, 37", "5, 16, 50, 64", "8, 32, 128, 256", "3, 9, 129, 17"})
    void vectorMatchesScalar(int rules, int enc, int dim, int rows) {
        Backend scalar = track(new ScalarBackend());
        Backend vector = track(new VectorBackend());
        Inputs in = Inputs.random(rules * 1000L + dim, 2, rows, rules);
        long[] seeds = {11, 12};
        for (ModelKind kind : ModelKind.values()) {
            MlpModel ref = run(scalar, kind, rules, enc, dim, rows, seeds, in);
            MlpModel vec = run(vector, kind, rules, enc, dim, rows, seeds, in);
            double predError = TestBuffers.relativeError(GradCheck.read(vector, vec.predictions(), 2 * rows),
                    GradCheck.read(scalar, ref.predictions(), 2 * rows));
            assertTrue(predError < 1e-5, kind + " predictions: " + predError);
            List<Param> refParams = ref.params();
            List<Param> vecParams = vec.params();
            for (int p = 0; p < refParams.size(); p++) {
                float[] g = TestParams.grad(vector, vec.arena(), vecParams.get(p));
                float[] gRef = TestParams.grad(scalar, ref.arena(), refParams.get(p));
                double error = TestBuffers.relativeError(g, gRef);
                assertTrue(error < 1e-5, kind + " " + refParams.get(p).name() + " gradient: " + error);
            }
        }
    }

    /**
     * Replica r of a rep=3 model gives exactly the bits of a rep=1 model with r's seed and rows. The pool sizes
     * take both of gemmBatched's paths whatever the machine: with 3 threads the 3 replicas are split whole across
     * the pool while a single run is parallel inside; with 1 or 2 they run one after another.
     */
    @ParameterizedTest(name = "R={0} E={1} D={2} rows={3} threads={4}")
    @CsvSource({"5, 7, 23, 37, 3", "8, 32, 128, 96, 3", "8, 32, 128, 256, 2", "3, 9, 129, 17, 3",
        "3, 9, 129, 17, 1"})
    void replicasAreBitIdenticalToSingleRuns(int rules, int enc, int dim, int rows, int threads) {
        Parallel pool = track(new Parallel(threads));
        Backend vector = track(new VectorBackend(pool));
        int rep = 3;
        Inputs in = Inputs.random(rules * 7000L + dim, rep, rows, rules);
        long[] seeds = {21, 22, 23};
        for (ModelKind kind : ModelKind.values()) {
            MlpModel many = run(vector, kind, rules, enc, dim, rows, seeds, in);
            float[] preds = GradCheck.read(vector, many.predictions(), rep * rows);
            float[] scores = many.routed() ? GradCheck.read(vector, many.scores(), rep * rows * rules) : null;
            for (int r = 0; r < rep; r++) {
                MlpModel one = run(vector, kind, rules, enc, dim, rows, new long[] {seeds[r]}, in.replica(r, rows));
                String what = kind + " replica " + r;
                assertArrayEquals(bits(GradCheck.read(vector, one.predictions(), rows)),
                        bits(Arrays.copyOfRange(preds, r * rows, (r + 1) * rows)), what + " predictions");
                if (scores != null) {
                    assertArrayEquals(bits(GradCheck.read(vector, one.scores(), rows * rules)),
                            bits(Arrays.copyOfRange(scores, r * rows * rules, (r + 1) * rows * rules)), what + " scores");
                }
                float[] gOne = one.arena().download(one.arena().grad(), 0);
                float[] gMany = many.arena().download(many.arena().grad(), r);
                for (Param p : many.params()) {
                    assertArrayEquals(bits(Arrays.copyOfRange(gOne, p.start(), p.start() + p.size())),
                            bits(Arrays.copyOfRange(gMany, p.start(), p.start() + p.size())), what + " " + p.name() + " gradient");
                }
                one.close();
                open.remove(one);
            }
        }
    }

    private static int[] bits(float[] x) {
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) out[i] = Float.floatToRawIntBits(x[i]);
        return out;
    }
}
