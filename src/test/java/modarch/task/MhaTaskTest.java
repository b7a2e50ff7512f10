package modarch.task;

import static modarch.task.NumpyRandomStateTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import modarch.Golden;
import modarch.UserError;
import modarch.backend.Backend;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.task.Sampling.Drawn;
import org.junit.jupiter.api.Test;

class MhaTaskTest {

    @Test
    void coefficientsMatchNumpy() {
        JsonNode cases = Golden.read("coefficients.json").get("cases").get("mlp_and_mha");
        assertTrue(cases.size() > 0);
        for (JsonNode c : cases) {
            MhaTask task = new MhaTask(c.get("rules").asInt(), c.get("data_seed").asLong(), false, 2, 10);
            String what = "rules " + task.rules() + " seed " + c.get("data_seed").asLong();
            assertClose(Golden.doubles(c.get("coeff1")), task.coeff1(), what + " coeff1");
            assertClose(Golden.doubles(c.get("coeff2")), task.coeff2(), what + " coeff2");
        }
    }

    /**
     * The reference's own float64 data: every winner of both searches for every token under every rule, and the
     * regression and classification labels of the tokens' rules, exactly.
     */
    @Test
    void searchesAndLabelsMatchTheReferenceExactly() {
        JsonNode cases = Golden.read("labels_mha.json").get("cases");
        assertEquals(20, cases.size());
        for (JsonNode c : cases) {
            int rules = c.get("rules").asInt(), version = c.get("search_version").asInt();
            long seed = c.get("data_seed").asLong();
            int points = c.get("shape").get(0).asInt(), length = c.get("shape").get(1).asInt();
            int features = c.get("shape").get(2).asInt();
            assertEquals(MhaTask.features(rules, version), features);
            double[] data = Golden.doubles(c.get("data"));
            int[] task = Golden.ints(c.get("task"));
            int[][] winners = {Golden.ints(c.get("search1")), Golden.ints(c.get("search2"))};
            double[] regression = Golden.doubles(c.get("regression"));
            double[] classification = Golden.doubles(c.get("classification"));
            assertEquals(points * length * features, data.length);
            MhaTask reg = new MhaTask(rules, seed, false, version, 10), cls = new MhaTask(rules, seed, true, version, 10);
            String what = "rules " + rules + " seed " + seed + " search v" + version;
            for (int n = 0; n < points; n++) {
                double[] x = Arrays.copyOfRange(data, n * length * features, (n + 1) * length * features);
                for (int i = 0; i < length; i++) {
                    for (int r = 0; r < rules; r++) {
                        for (int which = 0; which < 2; which++) {
                            assertEquals(winners[which][(n * length + i) * rules + r],
                                    MhaTask.search(data, n * length * features, length, features, version, i, r, which),
                                    what + ": search" + (which + 1) + " of point " + n + " token " + i + " rule " + r);
                        }
                    }
                    int row = n * length + i;
                    assertEquals(regression[row], reg.label(x, length, i, task[row]), 0.0, what + " regression " + row);
                    assertEquals(classification[row], cls.label(x, length, i, task[row]), 0.0,
                            what + " classification " + row);
                }
            }
        }
    }

    /** numpy's semantics where distances tie (answers from numpy 2.4: argmin / argmax keep the first index). */
    @Test
    void tiesGoToTheFirstTokenAsInNumpy() {
        // version 1, one rule: feature 0 is search 1's key
        double[] keys = {0.0, 1.0, -1.0, 1.0, 0.5};
        double[] x = new double[keys.length * 4];
        for (int t = 0; t < keys.length; t++) x[4 * t] = keys[t];
        assertArrayEquals(new int[] {4, 3, 0, 1, 0}, winners(x, keys.length, 4, 1));
        assertArrayEquals(new int[] {1, 0}, winners(new double[] {2, 0, 0, 0, 2, 0, 0, 0}, 2, 4, 1));
        assertArrayEquals(new int[] {1, 0, 0}, winners(new double[] {3, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0}, 3, 4, 1));
        // version 2, one rule: features 0, 1 are search 1's vector
        double[][] vectors = {{1, 0}, {0, 1}, {1, 0}, {0, -1}, {0.6, 0.8}};
        double[] y = new double[vectors.length * 6];
        for (int t = 0; t < vectors.length; t++) {
            y[6 * t] = vectors[t][0];
            y[6 * t + 1] = vectors[t][1];
        }
        assertArrayEquals(new int[] {2, 4, 0, 0, 1}, winners(y, vectors.length, 6, 2));
        assertArrayEquals(new int[] {1, 0}, winners(new double[] {1, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0}, 2, 6, 2));
        assertArrayEquals(new int[] {1, 2, 1},
                winners(new double[] {1, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0}, 3, 6, 2));
    }

    private static int[] winners(double[] x, int length, int features, int version) {
        int[] out = new int[length];
        for (int t = 0; t < length; t++) out[t] = MhaTask.search(x, 0, length, features, version, t, 0, 0);
        return out;
    }

    private static Drawn draw(MhaTask task, long seed, DataStream stream, long batch, int examples, int length,
                              boolean ood, double[] p) {
        return Sampling.draw(task, seed, stream, batch, examples, length, ood, p);
    }

    /** Sequence e's features widened to double, (length, F). */
    private static double[] widened(float[] inputs, int e, int length, int features) {
        double[] x = new double[length * features];
        for (int i = 0; i < x.length; i++) x[i] = inputs[e * length * features + i];
        return x;
    }

    @Test
    void sampleLabelsAreTheLabelsOfTheStoredFeaturesAndFillOnlyTheirRows() {
        for (int version = 1; version <= 2; version++) {
            for (boolean classification : new boolean[] {false, true}) {
                MhaTask task = new MhaTask(3, 5, classification, version, 10);
                int f = task.inputWidth(), examples = 40, length = 7, rows = examples * length, offset = 3;
                float[] inputs = new float[(rows + 2 * offset) * f];
                int[] rule = new int[rows + 2 * offset];
                float[] label = new float[rows + 2 * offset];
                Arrays.fill(inputs, -7f);
                Arrays.fill(rule, -7);
                Arrays.fill(label, -7f);
                task.sample(1, DataStream.TRAIN, 0, examples, length, false, null, inputs, rule, label, offset);
                float[] own = Arrays.copyOfRange(inputs, offset * f, (offset + rows) * f);
                for (int e = 0; e < examples; e++) {
                    double[] x = widened(own, e, length, f);
                    for (int t = 0; t < length; t++) {
                        int row = offset + e * length + t;
                        assertEquals((float) task.label(x, length, t, rule[row]), label[row]);
                    }
                }
                for (int i = 0; i < offset; i++) {
                    assertEquals(-7, rule[i]);
                    assertEquals(-7, rule[offset + rows + i]);
                    assertEquals(-7f, label[i]);
                    assertEquals(-7f, label[offset + rows + i]);
                }
                for (int i = 0; i < offset * f; i++) {
                    assertEquals(-7f, inputs[i]);
                    assertEquals(-7f, inputs[(offset + rows) * f + i]);
                }
                if (classification) {
                    for (int i = offset; i < offset + rows; i++) assertTrue(label[i] == 0f || label[i] == 1f);
                }
            }
        }
    }

    @Test
    void batchesAreAFunctionOfSeedStreamAndIndex() {
        for (int version = 1; version <= 2; version++) {
            Sampling.assertBatchesAreAFunctionOfSeedStreamAndIndex(new MhaTask(4, 0, false, version, 10));
        }
    }

    @Test
    void oodDoublesTheFeatures() {
        for (int version = 1; version <= 2; version++) {
            MhaTask task = new MhaTask(3, 2, false, version, 10);
            int examples = 500, length = 10, f = task.inputWidth();
            Drawn in = draw(task, 7, DataStream.EVAL, 3, examples, length, false, null);
            Drawn out = draw(task, 7, DataStream.EVAL, 3, examples, length, true, null);
            assertArrayEquals(in.rule(), out.rule());
            for (int i = 0; i < in.inputs().length; i++) assertEquals(2 * in.inputs()[i], out.inputs()[i]);
            for (int e = 0; e < examples; e++) {
                double[] x = widened(out.inputs(), e, length, f);
                for (int t = 0; t < length; t++) {
                    int row = e * length + t;
                    assertEquals((float) task.label(x, length, t, out.rule()[row]), out.label()[row]);
                }
            }
            // the value features (all of version 1's) are N(0, 1) in distribution, N(0, 4) out of it
            double in2 = 0, out2 = 0;
            int n = 0;
            for (int row = 0; row < examples * length; row++) {
                for (int c = 0; c < f; c++) {
                    if (version == 2 && c % 6 < 4) continue;
                    in2 += (double) in.inputs()[row * f + c] * in.inputs()[row * f + c];
                    out2 += (double) out.inputs()[row * f + c] * out.inputs()[row * f + c];
                    n++;
                }
            }
            assertEquals(1.0, Math.sqrt(in2 / n), 0.03);
            assertEquals(2.0, Math.sqrt(out2 / n), 0.06);
        }
    }

    /** Version 2's search vectors are unit vectors (times 2 out of distribution), spread round the circle. */
    @Test
    void searchVectorsHaveUnitNorm() {
        MhaTask task = new MhaTask(4, 1, false, 2, 10);
        int examples = 200, length = 10, f = task.inputWidth();
        for (boolean ood : new boolean[] {false, true}) {
            Drawn d = draw(task, 3, DataStream.TRAIN, 0, examples, length, ood, null);
            int[] quadrants = new int[4];
            for (int row = 0; row < examples * length; row++) {
                for (int r = 0; r < 4; r++) {
                    for (int p = 0; p < 2; p++) {
                        double a = d.inputs()[row * f + 6 * r + 2 * p], b = d.inputs()[row * f + 6 * r + 2 * p + 1];
                        assertEquals(ood ? 2.0 : 1.0, Math.sqrt(a * a + b * b), 1e-6);
                        quadrants[(a >= 0 ? 0 : 1) + (b >= 0 ? 0 : 2)]++;
                    }
                }
            }
            for (int q : quadrants) assertEquals(0.25, q / (examples * length * 8.0), 0.02);
        }
    }

    @Test
    void rulesAreUniformOrFollowTheProbabilities() {
        Sampling.assertRulesAreUniformOrFollowTheProbabilities(new MhaTask(5, 0, false, 1, 10));
    }

    /** The backend op (through the family's sampler) draws sample()'s batches, replica by replica, on both CPU backends. */
    @Test
    void theBackendOpDrawsTheSampleBatches() {
        for (Backend backend : new Backend[] {new ScalarBackend(), new VectorBackend()}) {
            for (int version = 1; version <= 2; version++) {
                for (boolean weighted : new boolean[] {false, true}) {
                    boolean classification = weighted;
                    Task[] replicas = {new MhaTask(3, 11, classification, version, 10),
                        new MhaTask(3, 12, classification, version, 10)};
                    Sampling.assertTheBackendOpDrawsTheSampleBatches(backend, replicas, new long[] {21, 0xFFFFFFFFL},
                            weighted ? new double[] {0.2, 0.0, 0.8} : null, 0x2_0000_0007L, 9, 5,
                            "v" + version + (weighted ? " weighted" : ""));
                }
            }
        }
    }

    @Test
    void aWarmSampleAllocatesNothing() {
        Sampling.assertAWarmSampleAllocatesNothing(new MhaTask(4, 0, false, 2, 10), 32, 10);
    }

    @Test
    void lengthsFollowTheReference() {
        MhaTask task = new MhaTask(2, 0, false, 1, 10);
        assertEquals(10, task.trainLength());
        assertArrayEquals(new int[] {3, 5, 10, 20, 30}, task.evalLengths());
        assertArrayEquals(new int[] {10, 20, 30, 40, 50}, new MhaTask(2, 0, false, 1, 20).evalLengths());
        assertEquals(8, task.inputWidth());
        assertEquals(18, new MhaTask(3, 0, false, 2, 10).inputWidth());
        assertEquals(1, task.labelWidth());
        assertEquals(2, task.coefficients().size());
        assertArrayEquals(task.coeff1(), task.coefficients().get("coeff1"));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(UserError.class, () -> new MhaTask(1, 0, false, 1, 10));
        assertThrows(UserError.class, () -> new MhaTask(65, 0, false, 1, 10));
        assertThrows(UserError.class, () -> new MhaTask(4, -1, false, 1, 10));
        for (int version : new int[] {0, 3, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new MhaTask(4, 0, false, version, 10));
            assertTrue(e.getMessage().contains("search version"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new MhaTask(4, 0, false, 1, 1));
        MhaTask task = new MhaTask(2, 0, false, 1, 10);
        double[] x = new double[3 * 8];
        assertThrows(IllegalArgumentException.class, () -> task.label(x, 3, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> task.label(x, 3, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> task.label(x, 4, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> task.label(x, 1, 0, 0));
        float[] f = new float[4 * 3 * 8];
        int[] r = new int[12];
        float[] l = new float[12];
        task.sample(0, DataStream.TRAIN, 0, 4, 3, false, null, f, r, l, 0); // fits exactly
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 4, 3, false, null, f, r, l, 1));
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 5, 3, false, null, f, r, l, 0));
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 2, 3, false, null, f, r, l, -1));
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 6, 1, false, null, f, r, l, 0));
        assertThrows(IllegalArgumentException.class,
                () -> task.sample(0, DataStream.TRAIN, 0, 4, 3, false, null, new float[4 * 3 * 8 - 1], r, l, 0));
        for (double[] p : new double[][] {{1.0}, {0.5, 0.6}, {1.5, -0.5}}) {
            assertThrows(IllegalArgumentException.class, () -> task.sample(0, DataStream.TRAIN, 0, 4, 3, false, p, f, r, l, 0));
        }
        Task[] mixed = {task, new MhaTask(2, 1, false, 2, 10)};
        assertThrows(IllegalArgumentException.class, () -> task.sampler(new ScalarBackend(), mixed, new long[] {0, 1}));
    }
}
