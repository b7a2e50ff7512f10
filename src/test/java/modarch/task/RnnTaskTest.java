package modarch.task;

import static modarch.task.NumpyRandomStateTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Map;
import modarch.Golden;
import modarch.UserError;
import modarch.backend.Backend;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.task.Sampling.Drawn;
import org.junit.jupiter.api.Test;

class RnnTaskTest {

    /** All 150 golden cases: A, B and (classification) w as numpy's RandomState draws and divides them. */
    @Test
    void coefficientsMatchNumpy() {
        JsonNode cases = Golden.read("coefficients.json").get("cases").get("rnn");
        assertEquals(150, cases.size());
        for (JsonNode c : cases) {
            int rules = c.get("rules").asInt(), order = c.get("order").asInt(), dim = c.get("dim").asInt();
            boolean classification = c.get("classification").asBoolean();
            RnnTask task = new RnnTask(rules, c.get("data_seed").asLong(), classification, dim, order, 10);
            String what = "rules " + rules + " seed " + c.get("data_seed").asLong() + " dim " + dim + " order " + order
                    + (classification ? " classification" : " regression");
            Map<String, double[]> coefficients = task.coefficients();
            assertArrayEquals(new int[] {rules, order, dim, dim}, Golden.ints(c.get("transition").get("shape")), what);
            assertArrayEquals(new int[] {rules, dim, dim}, Golden.ints(c.get("input").get("shape")), what);
            assertMatches(c.get("transition"), coefficients.get("transition"), what + " transition");
            assertMatches(c.get("input"), coefficients.get("input"), what + " input");
            assertEquals(classification, c.has("decoder"), what);
            assertEquals(classification, coefficients.containsKey("decoder"), what);
            if (classification) {
                assertArrayEquals(new int[] {dim, 1}, Golden.ints(c.get("decoder").get("shape")), what);
                assertMatches(c.get("decoder"), coefficients.get("decoder"), what + " decoder");
            }
        }
    }

    /**
     * A golden array: its values, or for the large ones a summary (n, sum, sum of squares, the first and last 8
     * values); the sums within 1e-12 of the sum of |value| and of squares (numpy sums pairwise), the rest as
     * {@link NumpyRandomStateTest#assertClose}.
     */
    private static void assertMatches(JsonNode golden, double[] got, String what) {
        if (golden.has("values")) {
            assertClose(Golden.doubles(golden.get("values")), got, what);
            return;
        }
        JsonNode summary = golden.get("summary");
        assertEquals(summary.get("n").asInt(), got.length, what + ": n");
        double[] head = Golden.doubles(summary.get("head")), tail = Golden.doubles(summary.get("tail"));
        assertClose(head, Arrays.copyOf(got, head.length), what + " head");
        assertClose(tail, Arrays.copyOfRange(got, got.length - tail.length, got.length), what + " tail");
        double sum = 0, abs = 0, squares = 0;
        for (double v : got) {
            sum += v;
            abs += Math.abs(v);
            squares += v * v;
        }
        assertEquals(summary.get("sum").asDouble(), sum, 1e-12 * abs, what + ": sum");
        assertEquals(summary.get("sumsq").asDouble(), squares, 1e-12 * squares, what + ": sum of squares");
    }

    /**
     * The reference's own float64 data (20 cases of 3 sequences of 6 steps): the regression states within 1e-9
     * relative (numpy's matmul sums in its own order; seen: within 1e-12), the classification labels exactly.
     */
    @Test
    void statesAndLabelsMatchTheReference() {
        JsonNode cases = Golden.read("labels_rnn.json").get("cases");
        assertEquals(20, cases.size());
        for (JsonNode c : cases) {
            int rules = c.get("rules").asInt(), order = c.get("order").asInt(), dim = c.get("dim").asInt();
            long seed = c.get("data_seed").asLong();
            int points = c.get("shape").get(0).asInt(), length = c.get("shape").get(1).asInt();
            assertEquals(dim, c.get("shape").get(2).asInt());
            double[] x = Golden.doubles(c.get("x")), states = Golden.doubles(c.get("regression_states"));
            double[] classification = Golden.doubles(c.get("classification"));
            int[] task = Golden.ints(c.get("task"));
            assertEquals(points * length * dim, x.length);
            RnnTask reg = new RnnTask(rules, seed, false, dim, order, 10), cls = new RnnTask(rules, seed, true, dim, order, 10);
            String what = "rules " + rules + " seed " + seed + " dim " + dim;
            for (int n = 0; n < points; n++) {
                double[] xn = Arrays.copyOfRange(x, n * length * dim, (n + 1) * length * dim);
                int[] rn = Arrays.copyOfRange(task, n * length, (n + 1) * length);
                double[] got = reg.states(xn, rn);
                assertArrayEquals(got, reg.labels(xn, rn), what + ": regression labels are the states");
                for (int i = 0; i < got.length; i++) {
                    double ref = states[n * length * dim + i];
                    assertEquals(ref, got[i], 1e-9 * Math.abs(ref),
                            what + ": point " + n + " state " + i);
                }
                assertArrayEquals(Arrays.copyOfRange(classification, n * length, (n + 1) * length), cls.labels(xn, rn),
                        what + ": point " + n + " classification");
            }
        }
    }

    /** The arithmetic of the class comment on a case small enough to write out: order 2, d = 2. */
    @Test
    void statesFollowTheDocumentedSums() {
        RnnTask task = new RnnTask(2, 3, false, 2, 2, 10);
        double[] a = task.coefficients().get("transition"), b = task.coefficients().get("input");
        double[] x = {0.5, -1.25, 2.0, 0.75, -0.5, 1.5};
        int[] rule = {1, 0, 1};
        double[] s = new double[6];
        for (int t = 0; t < 3; t++) {
            int c = rule[t];
            for (int j = 0; j < 2; j++) {
                double acc = 0.0;
                for (int i = 0; i < 2; i++) acc += x[2 * t + i] * b[c * 4 + i * 2 + j];
                for (int o = 1; o <= 2 && t - o >= 0; o++) {
                    double sum = 0.0;
                    for (int i = 0; i < 2; i++) sum += s[2 * (t - o) + i] * a[((c * 2 + o - 1) * 2 + i) * 2 + j];
                    acc += sum;
                }
                s[2 * t + j] = acc;
            }
        }
        assertArrayEquals(s, task.states(x, rule));
    }

    /** The labels of drawn sequence e: (float) labels() of its stored features and rules. */
    private static float[] expectedLabels(RnnTask task, Drawn d, int rowOffset, int e, int length) {
        int dim = task.dim(), row0 = rowOffset + e * length;
        double[] x = new double[length * dim];
        for (int i = 0; i < x.length; i++) x[i] = d.inputs()[row0 * dim + i];
        double[] labels = task.labels(x, Arrays.copyOfRange(d.rule(), row0, row0 + length));
        float[] out = new float[labels.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) labels[i];
        return out;
    }

    @Test
    void sampleLabelsAreTheLabelsOfTheStoredFeaturesAndFillOnlyTheirRows() {
        for (int order = 1; order <= 3; order += 2) {
            for (boolean classification : new boolean[] {false, true}) {
                RnnTask task = new RnnTask(3, 5, classification, 5, order, 10);
                int f = task.inputWidth(), l = task.labelWidth(), examples = 30, length = 7, rows = examples * length;
                int offset = 3;
                Drawn d = new Drawn(new float[(rows + 2 * offset) * f], new int[rows + 2 * offset],
                        new float[(rows + 2 * offset) * l]);
                Arrays.fill(d.inputs(), -7f);
                Arrays.fill(d.rule(), -7);
                Arrays.fill(d.label(), -7f);
                task.sample(1, DataStream.TRAIN, 0, examples, length, false, null, d.inputs(), d.rule(), d.label(), offset);
                for (int e = 0; e < examples; e++) {
                    int row0 = offset + e * length;
                    assertArrayEquals(expectedLabels(task, d, offset, e, length),
                            Arrays.copyOfRange(d.label(), row0 * l, (row0 + length) * l), "sequence " + e);
                }
                for (int i = 0; i < offset; i++) {
                    assertEquals(-7, d.rule()[i]);
                    assertEquals(-7, d.rule()[offset + rows + i]);
                }
                for (int i = 0; i < offset * l; i++) {
                    assertEquals(-7f, d.label()[i]);
                    assertEquals(-7f, d.label()[(offset + rows) * l + i]);
                }
                for (int i = 0; i < offset * f; i++) {
                    assertEquals(-7f, d.inputs()[i]);
                    assertEquals(-7f, d.inputs()[(offset + rows) * f + i]);
                }
                if (classification) {
                    int ones = 0;
                    for (int i = offset; i < offset + rows; i++) {
                        assertTrue(d.label()[i] == 0f || d.label()[i] == 1f);
                        if (d.label()[i] == 1f) ones++;
                    }
                    assertTrue(ones > rows / 5 && ones < rows * 4 / 5, ones + " of " + rows + " labels are 1");
                }
            }
        }
    }

    /** Counter-based, as the MHA family; and the states of step t depend only on the steps up to t. */
    @Test
    void batchesAreAFunctionOfSeedStreamAndIndex() {
        RnnTask task = new RnnTask(4, 0, false, 6, 2, 10);
        Sampling.assertBatchesAreAFunctionOfSeedStreamAndIndex(task);
        Drawn first = Sampling.draw(task, 9, DataStream.TRAIN, 5, 16, 10, false, null);
        Drawn longer = Sampling.draw(task, 9, DataStream.TRAIN, 5, 16, 30, false, null);
        int d = task.dim();
        for (int e = 0; e < 16; e++) {
            assertArrayEquals(Arrays.copyOfRange(first.label(), e * 10 * d, (e + 1) * 10 * d),
                    Arrays.copyOfRange(longer.label(), e * 30 * d, (e * 30 + 10) * d), "sequence " + e);
        }
    }

    @Test
    void oodDoublesTheFeatures() {
        for (boolean classification : new boolean[] {false, true}) {
            RnnTask task = new RnnTask(3, 2, classification, 8, 1, 10);
            int examples = 300, length = 10, d = task.dim();
            Drawn in = Sampling.draw(task, 7, DataStream.EVAL, 3, examples, length, false, null);
            Drawn out = Sampling.draw(task, 7, DataStream.EVAL, 3, examples, length, true, null);
            assertArrayEquals(in.rule(), out.rule());
            for (int i = 0; i < in.inputs().length; i++) assertEquals(2 * in.inputs()[i], out.inputs()[i]);
            for (int e = 0; e < examples; e++) {
                int l = task.labelWidth();
                assertArrayEquals(expectedLabels(task, out, 0, e, length),
                        Arrays.copyOfRange(out.label(), e * length * l, (e + 1) * length * l));
            }
            double in2 = 0, out2 = 0;
            for (int i = 0; i < in.inputs().length; i++) {
                in2 += (double) in.inputs()[i] * in.inputs()[i];
                out2 += (double) out.inputs()[i] * out.inputs()[i];
            }
            int n = examples * length * d;
            assertEquals(1.0, Math.sqrt(in2 / n), 0.03);
            assertEquals(2.0, Math.sqrt(out2 / n), 0.06);
            if (!classification) { // linear in x: the states double too (up to rounding)
                for (int i = 0; i < in.label().length; i++) {
                    assertEquals(2 * in.label()[i], out.label()[i], 1e-5 * Math.max(1, Math.abs(out.label()[i])));
                }
            }
        }
    }

    @Test
    void rulesAreUniformOrFollowTheProbabilities() {
        Sampling.assertRulesAreUniformOrFollowTheProbabilities(new RnnTask(5, 0, false, 3, 1, 10));
    }

    /** The backend op (through the family's sampler) draws sample()'s batches, replica by replica, on both CPU backends. */
    @Test
    void theBackendOpDrawsTheSampleBatches() {
        int[][] shapes = {{1, 1}, {4, 2}, {33, 1}}; // dim, order
        for (Backend backend : new Backend[] {new ScalarBackend(), new VectorBackend()}) {
            for (int[] shape : shapes) {
                for (boolean classification : new boolean[] {false, true}) {
                    for (boolean weighted : new boolean[] {false, true}) {
                        Task[] replicas = new Task[3];
                        for (int r = 0; r < 3; r++) replicas[r] = new RnnTask(3, 11 + r, classification, shape[0], shape[1], 10);
                        Sampling.assertTheBackendOpDrawsTheSampleBatches(backend, replicas,
                                new long[] {21, 0xFFFFFFFFL, 0}, weighted ? new double[] {0.2, 0.0, 0.8} : null,
                                0x2_0000_0007L, 9, 5, "dim " + shape[0] + " order " + shape[1]
                                        + (classification ? " classification" : "") + (weighted ? " weighted" : ""));
                    }
                }
            }
        }
    }

    @Test
    void aWarmSampleAllocatesNothing() {
        Sampling.assertAWarmSampleAllocatesNothing(new RnnTask(4, 0, false, 32, 2, 10), 32, 10);
    }

    @Test
    void shapesAndLengthsFollowTheReference() {
        RnnTask task = new RnnTask(2, 0, false, 32, 1, 10);
        assertEquals(10, task.trainLength());
        assertArrayEquals(new int[] {3, 5, 10, 20, 30}, task.evalLengths());
        assertArrayEquals(new int[] {10, 20, 30, 40, 50}, new RnnTask(2, 0, false, 32, 1, 20).evalLengths());
        assertEquals(32, task.inputWidth());
        assertEquals(32, task.labelWidth());
        assertEquals(32, task.dim());
        assertEquals(1, task.order());
        RnnTask cls = new RnnTask(3, 0, true, 4, 2, 1);
        assertEquals(1, cls.labelWidth());
        assertEquals(4, cls.inputWidth());
        assertEquals(1, cls.trainLength());
        assertEquals(3 * 2 * 16, cls.coefficients().get("transition").length);
        assertEquals(3 * 16, cls.coefficients().get("input").length);
        assertEquals(4, cls.coefficients().get("decoder").length);
        assertEquals(2, task.coefficients().size());
        assertEquals(RnnTask.wordsPerReplica(3, 4, 2), cls.coefficientWords().length);
        // regression and classification share A and B (w is drawn after them)
        RnnTask reg = new RnnTask(3, 0, false, 4, 2, 1);
        assertArrayEquals(reg.coefficients().get("transition"), cls.coefficients().get("transition"));
        assertArrayEquals(reg.coefficients().get("input"), cls.coefficients().get("input"));
        assertArrayEquals(reg.coefficientWords(), cls.coefficientWords());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(UserError.class, () -> new RnnTask(1, 0, false, 4, 1, 10));
        assertThrows(UserError.class, () -> new RnnTask(65, 0, false, 4, 1, 10));
        assertThrows(UserError.class, () -> new RnnTask(4, -1, false, 4, 1, 10));
        assertThrows(UserError.class, () -> new RnnTask(4, 1L << 32, false, 4, 1, 10));
        for (int dim : new int[] {0, -1, RnnTask.MAX_DIM + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new RnnTask(4, 0, false, dim, 1, 10));
            assertTrue(e.getMessage().contains("dim " + dim) && e.getMessage().contains("1.." + RnnTask.MAX_DIM),
                    e.getMessage());
        }
        for (int order : new int[] {0, RnnTask.MAX_ORDER + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new RnnTask(4, 0, false, 4, order, 10));
            assertTrue(e.getMessage().contains("order " + order) && e.getMessage().contains("1.." + RnnTask.MAX_ORDER),
                    e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RnnTask(4, 0, false, 4, 1, 0));
        assertTrue(e.getMessage().contains("trainLength 0"), e.getMessage());
        RnnTask task = new RnnTask(2, 0, false, 3, 1, 10);
        assertThrows(IllegalArgumentException.class, () -> task.states(new double[5], new int[2]));
        assertThrows(IllegalArgumentException.class, () -> task.states(new double[6], new int[] {0, 2}));
        assertThrows(IllegalArgumentException.class, () -> task.states(new double[6], new int[] {-1, 0}));
        float[] f = new float[4 * 3 * 3];
        int[] r = new int[12];
        float[] l = new float[12 * 3];
        task.sample(0, DataStream.TRAIN, 0, 4, 3, false, null, f, r, l, 0); // fits exactly
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 4, 3, false, null, f, r, l, 1));
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 5, 3, false, null, f, r, l, 0));
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 2, 3, false, null, f, r, l, -1));
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 4, 0, false, null, f, r, l, 0));
        assertThrows(IllegalArgumentException.class,
                () -> task.sample(0, DataStream.TRAIN, 0, 4, 3, false, null, f, r, new float[12 * 3 - 1], 0));
        assertThrows(IllegalArgumentException.class,
                () -> task.sample(0, DataStream.TRAIN, 0, 4, 3, false, null, new float[4 * 3 * 3 - 1], r, l, 0));
        for (double[] p : new double[][] {{1.0}, {0.5, 0.6}, {1.5, -0.5}}) {
            assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 4, 3, false, p, f, r, l, 0));
        }
        for (Task other : new Task[] {new RnnTask(2, 1, false, 4, 1, 10), new RnnTask(2, 1, false, 3, 2, 10),
            new RnnTask(2, 1, true, 3, 1, 10), new RnnTask(3, 1, false, 3, 1, 10)}) {
            Task[] mixed = {task, other};
            assertThrows(IllegalArgumentException.class, () -> task.sampler(new ScalarBackend(), mixed, new long[] {0, 1}));
        }
    }
}
