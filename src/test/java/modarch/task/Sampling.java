package modarch.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import modarch.backend.Backend;
import modarch.backend.DoubleBits;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** What the sequence families' task tests share: drawing a batch by sample() and by the backend op, and timing nothing. */
final class Sampling {
    private Sampling() {
    }

    /** examples sequences of length rows: inputs (rows, inputWidth), rules (rows), labels (rows, labelWidth). */
    record Drawn(float[] inputs, int[] rule, float[] label) {
    }

    /** The batch of {@link Task#sample} into fresh arrays, from row 0. */
    static Drawn draw(Task task, long seed, DataStream stream, long batch, int examples, int length, boolean ood,
                      double[] p) {
        int rows = examples * length;
        Drawn d = new Drawn(new float[rows * task.inputWidth()], new int[rows], new float[rows * task.labelWidth()]);
        task.sample(seed, stream, batch, examples, length, ood, p, d.inputs(), d.rule(), d.label(), 0);
        return d;
    }

    /**
     * Asserts that the family's sampler on backend (its backend op) draws, replica by replica, the batches of
     * sample() for replicas with seeds, batch index batch of the eval stream, out of distribution.
     */
    static void assertTheBackendOpDrawsTheSampleBatches(Backend backend, Task[] replicas, long[] seeds, double[] p,
                                                        long batch, int examples, int length, String what) {
        int rep = replicas.length, rows = examples * length;
        int f = replicas[0].inputWidth(), l = replicas[0].labelWidth();
        float[] inputs = new float[rep * rows * f], labels = new float[rep * rows * l];
        int[] rule = new int[rep * rows];
        try (BatchSampler sampler = replicas[0].sampler(backend, replicas, seeds);
             IntBuf index = backend.allocInts(2);
             IntBuf probabilities = p == null ? null : backend.allocInts(2 * p.length);
             FloatBuf in = backend.allocFloats(inputs.length);
             IntBuf ru = backend.allocInts(rule.length);
             FloatBuf la = backend.allocFloats(labels.length)) {
            backend.upload(new int[] {(int) batch, (int) (batch >>> 32)}, 0, index, 0, 2);
            if (p != null) backend.upload(DoubleBits.toInts(p), 0, probabilities, 0, 2 * p.length);
            sampler.draw(DataStream.EVAL, index, examples, length, true, probabilities, in, ru, la);
            backend.download(in, 0, inputs, 0, inputs.length);
            backend.download(ru, 0, rule, 0, rule.length);
            backend.download(la, 0, labels, 0, labels.length);
        }
        for (int r = 0; r < rep; r++) {
            Drawn d = draw(replicas[r], seeds[r], DataStream.EVAL, batch, examples, length, true, p);
            String where = backend.name() + " " + what + " replica " + r;
            assertArrayEquals(d.inputs(), Arrays.copyOfRange(inputs, r * rows * f, (r + 1) * rows * f), where);
            assertArrayEquals(d.rule(), Arrays.copyOfRange(rule, r * rows, (r + 1) * rows), where);
            assertArrayEquals(d.label(), Arrays.copyOfRange(labels, r * rows * l, (r + 1) * rows * l), where);
        }
    }

    /**
     * Counter-based: a batch depends only on (seed, stream, batch index), and neighbouring keys differ; sequence e of
     * a larger batch is sequence e of a smaller one, and row t of a longer sequence has the inputs and rule of row t
     * of a shorter one (the counter is (sequence, batch, block), the words run on along the rows).
     */
    static void assertBatchesAreAFunctionOfSeedStreamAndIndex(Task task) {
        Drawn first = draw(task, 9, DataStream.TRAIN, 5, 16, 10, false, null);
        draw(task, 9, DataStream.TRAIN, 6, 16, 10, false, null); // another batch in between changes nothing
        Drawn again = draw(task, 9, DataStream.TRAIN, 5, 16, 10, false, null);
        assertArrayEquals(first.inputs(), again.inputs());
        assertArrayEquals(first.rule(), again.rule());
        assertArrayEquals(first.label(), again.label());
        for (Drawn other : new Drawn[] {draw(task, 9, DataStream.TRAIN, 6, 16, 10, false, null),
                draw(task, 10, DataStream.TRAIN, 5, 16, 10, false, null),
                draw(task, 9, DataStream.TRAIN, 5L + (1L << 32), 16, 10, false, null),
                draw(task, 9, DataStream.EVAL, 5, 16, 10, false, null)}) {
            assertFalse(Arrays.equals(first.inputs(), other.inputs()));
        }
        Drawn larger = draw(task, 9, DataStream.TRAIN, 5, 20, 10, false, null);
        assertArrayEquals(first.inputs(), Arrays.copyOf(larger.inputs(), first.inputs().length));
        assertArrayEquals(first.rule(), Arrays.copyOf(larger.rule(), first.rule().length));
        assertArrayEquals(first.label(), Arrays.copyOf(larger.label(), first.label().length));
        Drawn longer = draw(task, 9, DataStream.TRAIN, 5, 16, 30, false, null);
        int f = task.inputWidth();
        for (int e = 0; e < 16; e++) {
            assertArrayEquals(Arrays.copyOfRange(first.inputs(), e * 10 * f, (e + 1) * 10 * f),
                    Arrays.copyOfRange(longer.inputs(), e * 30 * f, (e * 30 + 10) * f));
            assertArrayEquals(Arrays.copyOfRange(first.rule(), e * 10, (e + 1) * 10),
                    Arrays.copyOfRange(longer.rule(), e * 30, e * 30 + 10));
        }
    }

    /** For a task of 5 rules: uniform rules, a certain rule, and rules by probabilities, each within 0.01. */
    static void assertRulesAreUniformOrFollowTheProbabilities(Task task) {
        int examples = 2000, length = 10, rows = examples * length;
        int[] counts = new int[5];
        for (int r : draw(task, 4, DataStream.TRAIN, 0, examples, length, false, null).rule()) counts[r]++;
        for (int r = 0; r < 5; r++) assertEquals(0.2, counts[r] / (double) rows, 0.01, "frequency of rule " + r);
        for (int r : draw(task, 4, DataStream.TRAIN, 1, 100, length, false, new double[] {0, 0, 1, 0, 0}).rule()) {
            assertEquals(2, r);
        }
        double[] p = {0.1, 0.0, 0.5, 0.25, 0.15};
        Arrays.fill(counts, 0);
        for (int r : draw(task, 4, DataStream.TRAIN, 2, examples, length, false, p).rule()) counts[r]++;
        for (int r = 0; r < 5; r++) assertEquals(p[r], counts[r] / (double) rows, 0.01, "frequency of rule " + r);
    }

    /** Asserts that, once warm, 20 samples of examples sequences of length rows allocate no byte. */
    static void assertAWarmSampleAllocatesNothing(Task task, int examples, int length) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM cannot count allocated bytes");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        int rows = examples * length;
        float[] inputs = new float[rows * task.inputWidth()], labels = new float[rows * task.labelWidth()];
        int[] rule = new int[rows];
        long allocated = -1, batch = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (allocated != 0 && System.nanoTime() < deadline) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20; i++) {
                task.sample(1, DataStream.TRAIN, batch++, examples, length, false, null, inputs, rule, labels, 0);
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }
        assertEquals(0, allocated, "bytes allocated by 20 warm samples");
    }
}
