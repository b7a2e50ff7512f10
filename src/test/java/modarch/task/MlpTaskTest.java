package modarch.task;

import static modarch.task.NumpyRandomStateTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import modarch.Golden;
import modarch.UserError;
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

    /** n examples of one batch: inputs (n, 2) rows [a, b], rules (n), labels (n). */
    private record Drawn(float[] inputs, int[] rule, float[] label) {
        float a(int i) {
            return inputs[2 * i];
        }

        float b(int i) {
            return inputs[2 * i + 1];
        }
    }

    private static Drawn draw(MlpTask task, long seed, long batch, int n, boolean ood, double[] p) {
        Drawn d = new Drawn(new float[2 * n], new int[n], new float[n]);
        task.sample(seed, DataStream.TRAIN, batch, n, 1, ood, p, d.inputs(), d.rule(), d.label(), 0);
        return d;
    }

    @Test
    void sampleLabelsAgreeWithLabelAndFillOnlyTheirRange() {
        for (boolean classification : new boolean[] {false, true}) {
            MlpTask task = new MlpTask(5, 3, classification);
            int n = 300;
            float[] inputs = new float[2 * (n + 20)];
            int[] rule = new int[n + 20];
            float[] label = new float[n + 20];
            Arrays.fill(label, -7f);
            Arrays.fill(inputs, -7f);
            task.sample(1, DataStream.TRAIN, 0, n, 1, false, null, inputs, rule, label, 10);
            int[] counts = new int[5];
            for (int i = 10; i < 10 + n; i++) {
                assertEquals((float) task.label(inputs[2 * i], inputs[2 * i + 1], rule[i]), label[i]);
                counts[rule[i]]++;
            }
            for (int r = 0; r < 5; r++) assertTrue(counts[r] > 20, "uniform rules: rule " + r + " drawn " + counts[r] + " times");
            assertEquals(-7f, label[9]);
            assertEquals(-7f, label[10 + n]);
            assertEquals(-7f, inputs[19]);
            assertEquals(-7f, inputs[2 * (10 + n)]);
        }
    }

    /** Counter-based: a batch depends only on (seed, stream, batch index), and neighbouring keys differ. */
    @Test
    void batchesAreAFunctionOfSeedStreamAndIndex() {
        MlpTask task = new MlpTask(4, 0, false);
        Drawn first = draw(task, 9, 5, 64, false, null);
        draw(task, 9, 6, 64, false, null); // drawing another batch in between changes nothing
        Drawn again = draw(task, 9, 5, 64, false, null);
        assertArrayEquals(first.inputs(), again.inputs());
        assertArrayEquals(first.rule(), again.rule());
        assertArrayEquals(first.label(), again.label());
        for (Drawn other : new Drawn[] {draw(task, 9, 6, 64, false, null), draw(task, 10, 5, 64, false, null),
                draw(task, 9, 5L + (1L << 32), 64, false, null)}) {
            assertFalse(Arrays.equals(first.inputs(), other.inputs()));
        }
        float[] eval = new float[128];
        task.sample(9, DataStream.EVAL, 5, 64, 1, false, null, eval, new int[64], new float[64], 0);
        assertFalse(Arrays.equals(first.inputs(), eval), "streams are independent");
        // example i of a larger batch is example i of a smaller one: the counter is (example, batch)
        Drawn larger = draw(task, 9, 5, 100, false, null);
        assertArrayEquals(first.inputs(), Arrays.copyOf(larger.inputs(), 128));
    }

    @Test
    void oodDoublesTheSpread() {
        MlpTask task = new MlpTask(4, 0, false);
        int n = 100_000;
        Drawn in = draw(task, 7, 0, n, false, null);
        Drawn out = draw(task, 7, 0, n, true, null);
        float[] a = new float[n];
        float[] inB = new float[n];
        for (int i = 0; i < n; i++) {
            assertEquals(2 * in.a(i), out.a(i)); // same stream: exactly twice the in-distribution draw
            assertEquals(2 * in.b(i), out.b(i));
            assertEquals((float) task.label(out.a(i), out.b(i), out.rule()[i]), out.label()[i]);
            a[i] = out.a(i);
            inB[i] = in.b(i);
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
        for (int r : draw(task, 5, 0, n, false, new double[] {1, 0, 0, 0}).rule()) assertEquals(0, r);
        for (int r : draw(task, 5, 1, n, false, new double[] {0, 0, 0, 1}).rule()) assertEquals(3, r);
        double[] p = {0.1, 0.0, 0.6, 0.3};
        int[] counts = new int[4];
        for (int r : draw(task, 5, 2, n, true, p).rule()) counts[r]++;
        for (int r = 0; r < 4; r++) assertEquals(p[r], counts[r] / (double) n, 0.015, "frequency of rule " + r);
    }

    @Test
    void rejectsBadArguments() {
        UserError e = assertThrows(UserError.class, () -> new MlpTask(1, 0, false));
        assertTrue(e.getMessage().contains("1") && e.getMessage().contains("2..64"), e.getMessage());
        assertThrows(UserError.class, () -> new MlpTask(65, 0, false));
        assertThrows(UserError.class, () -> new MlpTask(4, -1, false));
        MlpTask task = new MlpTask(4, 0, false);
        assertThrows(IllegalArgumentException.class, () -> task.label(0, 0, 4));
        float[] f = new float[16];
        int[] r = new int[8];
        float[] l = new float[8];
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 5, 1, false, null, f, r, l, 4));
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 2, 1, false, null, f, r, l, -1));
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 2, 2, false, null, f, r, l, 0));
        for (double[] p : new double[][] {{0.5, 0.5}, {0.5, 0.5, 0.5, -0.5}, {0.5, 0.2, 0.2, 0.2}}) {
            assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 8, 1, false, p, f, r, l, 0));
        }
    }
}
