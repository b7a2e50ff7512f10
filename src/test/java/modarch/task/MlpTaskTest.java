package modarch.task;

import static modarch.task.NumpyRandomStateTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import modarch.Golden;
import org.junit.jupiter.api.Test;

class MlpTaskTest {

    @Test
    void coefficientsMatchNumpy() {
        JsonNode cases = Golden.read("coefficients.json").get("cases").get("mlp_and_mha");
        assertTrue(cases.size() > 0);
        for (JsonNode c : cases) {
            MlpTask task = new MlpTask(c.get("rules").asInt(), c.get("data_seed").asLong(), false);
            String what = "rules " + task.rules() + " seed " + c.get("data_seed").asLong();
            assertClose(Golden.doubles(c.get("coeff1")), task.coeff1(), what + " coeff1");
            assertClose(Golden.doubles(c.get("coeff2")), task.coeff2(), what + " coeff2");
        }
    }

    @Test
    void labelsMatchReference() {
        JsonNode cases = Golden.read("labels_mlp.json").get("cases");
        assertTrue(cases.size() > 0);
        for (JsonNode c : cases) {
            int rules = c.get("rules").asInt();
            long seed = c.get("data_seed").asLong();
            double[] a = Golden.doubles(c.get("a"));
            double[] b = Golden.doubles(c.get("b"));
            int[] rule = Golden.ints(c.get("task"));
            for (boolean classification : new boolean[] {false, true}) {
                MlpTask task = new MlpTask(rules, seed, classification);
                double[] got = new double[a.length];
                for (int i = 0; i < a.length; i++) got[i] = task.label(a[i], b[i], rule[i]);
                assertClose(Golden.doubles(c.get(classification ? "classification" : "regression")), got,
                        "rules " + rules + " seed " + seed + (classification ? " classification" : " regression"));
            }
        }
    }

    @Test
    void sampleLabelsAgreeWithLabelAndFillOnlyTheirRange() {
        for (boolean classification : new boolean[] {false, true}) {
            MlpTask task = new MlpTask(5, 3, classification);
            int n = 300;
            float[] a = new float[n + 20];
            float[] b = new float[n + 20];
            int[] rule = new int[n + 20];
            float[] label = new float[n + 20];
            Arrays.fill(label, -7f);
            task.sample(new FastRandom(1), false, null, a, b, rule, label, 10, n);
            int[] counts = new int[5];
            for (int i = 10; i < 10 + n; i++) {
                assertEquals((float) task.label(a[i], b[i], rule[i]), label[i]);
                counts[rule[i]]++;
            }
            for (int r = 0; r < 5; r++) assertTrue(counts[r] > 20, "uniform rules: rule " + r + " drawn " + counts[r] + " times");
            assertEquals(-7f, label[9]);
            assertEquals(-7f, label[10 + n]);
        }
    }

    @Test
    void oodDoublesTheSpread() {
        MlpTask task = new MlpTask(4, 0, false);
        int n = 100_000;
        float[] a = new float[n];
        float[] b = new float[n];
        float[] inA = new float[n];
        float[] inB = new float[n];
        int[] rule = new int[n];
        float[] label = new float[n];
        task.sample(new FastRandom(7), false, null, inA, inB, rule, label, 0, n);
        task.sample(new FastRandom(7), true, null, a, b, rule, label, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(2 * inA[i], a[i]); // same stream: exactly twice the in-distribution draw
            assertEquals(2 * inB[i], b[i]);
            assertEquals((float) task.label(a[i], b[i], rule[i]), label[i]);
        }
        assertEquals(2.0, Math.sqrt(meanSquare(a)), 0.05);
        assertEquals(1.0, Math.sqrt(meanSquare(inB)), 0.025);
    }

    private static double meanSquare(float[] x) {
        double s = 0;
        for (float v : x) s += (double) v * v;
        return s / x.length;
    }

    @Test
    void probabilityVectorIsRespected() {
        MlpTask task = new MlpTask(4, 1, true);
        int n = 40_000;
        float[] a = new float[n];
        float[] b = new float[n];
        int[] rule = new int[n];
        float[] label = new float[n];
        FastRandom rng = new FastRandom(5);
        task.sample(rng, false, new double[] {1, 0, 0, 0}, a, b, rule, label, 0, n);
        for (int r : rule) assertEquals(0, r);
        task.sample(rng, false, new double[] {0, 0, 0, 1}, a, b, rule, label, 0, n);
        for (int r : rule) assertEquals(3, r);

        double[] p = {0.1, 0.0, 0.6, 0.3};
        task.sample(rng, true, p, a, b, rule, label, 0, n);
        int[] counts = new int[4];
        for (int r : rule) counts[r]++;
        for (int r = 0; r < 4; r++) assertEquals(p[r], counts[r] / (double) n, 0.015, "frequency of rule " + r);
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MlpTask(1, 0, false));
        assertTrue(e.getMessage().contains("1") && e.getMessage().contains("2..64"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MlpTask(65, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new MlpTask(4, -1, false));
        MlpTask task = new MlpTask(4, 0, false);
        assertThrows(IllegalArgumentException.class, () -> task.label(0, 0, 4));
        float[] f = new float[8];
        int[] r = new int[8];
        FastRandom rng = new FastRandom(0);
        assertThrows(IllegalArgumentException.class, () -> task.sample(rng, false, null, f, f, r, f, 4, 5));
        assertThrows(IllegalArgumentException.class, () -> task.sample(rng, false, null, f, f, r, f, -1, 2));
        assertThrows(IllegalArgumentException.class, () -> task.sample(rng, false, new double[] {0.5, 0.5}, f, f, r, f, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> task.sample(rng, false, new double[] {0.5, 0.5, 0.5, -0.5}, f, f, r, f, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> task.sample(rng, false, new double[] {0.5, 0.2, 0.2, 0.2}, f, f, r, f, 0, 8));
    }
}
