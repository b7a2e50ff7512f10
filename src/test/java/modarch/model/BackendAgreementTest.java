package modarch.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import modarch.backend.Backend;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.nn.Param;
import modarch.task.FastRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The whole model, forward and backward, on the Vector API backend against the scalar reference. */
class BackendAgreementTest {

    private static double relativeError(float[] out, float[] ref, int n) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < n; i++) {
            diff += (double) (out[i] - ref[i]) * (out[i] - ref[i]);
            norm += (double) ref[i] * ref[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    }

    private static MlpModel run(Backend backend, ModelKind kind, int rules, int enc, int dim, int rows,
                                float[] a, float[] b, int[] rule, float[] dPred) {
        MlpModel model = new MlpModel(backend, kind, 2, rules, enc, dim, rows);
        model.init(0, 11);
        model.init(1, 12);
        model.zeroGrad();
        model.forward(a, b, rule, rows);
        System.arraycopy(dPred, 0, model.gradPredictions(), 0, dPred.length);
        model.backward();
        return model;
    }

    @ParameterizedTest
    @CsvSource({"5, 7, 23, 37", "5, 16, 50, 64", "8, 32, 128, 256", "3, 9, 129, 17"})
    void vectorMatchesScalar(int rules, int enc, int dim, int rows) {
        FastRandom rng = new FastRandom(rules * 1000L + dim);
        float[] a = new float[2 * rows];
        float[] b = new float[2 * rows];
        int[] rule = new int[2 * rows];
        float[] dPred = new float[2 * rows];
        for (int i = 0; i < 2 * rows; i++) {
            a[i] = (float) rng.gaussian();
            b[i] = (float) rng.gaussian();
            rule[i] = rng.nextInt(rules);
            dPred[i] = (float) rng.gaussian() / rows;
        }
        for (ModelKind kind : ModelKind.values()) {
            MlpModel ref = run(new ScalarBackend(), kind, rules, enc, dim, rows, a, b, rule, dPred);
            MlpModel vec = run(new VectorBackend(), kind, rules, enc, dim, rows, a, b, rule, dPred);
            double predError = relativeError(vec.predictions(), ref.predictions(), 2 * rows);
            assertTrue(predError < 1e-5, kind + " predictions: " + predError);
            List<Param> refParams = ref.params();
            List<Param> vecParams = vec.params();
            for (int p = 0; p < refParams.size(); p++) {
                float[] g = vecParams.get(p).grad();
                double error = relativeError(g, refParams.get(p).grad(), g.length);
                assertTrue(error < 1e-5, kind + " " + refParams.get(p).name() + " gradient: " + error);
            }
        }
    }
}
