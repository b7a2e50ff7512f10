package modarch.model;

import java.util.Map;
import modarch.backend.Backend;
import modarch.task.Batch;
import modarch.task.DataStream;
import modarch.task.Task;

/**
 * Batches of chosen rows for model tests. {@link Batch} learns its row count only from {@link Batch#fill}, so the
 * rows are handed to it through a {@link Task} per replica that replays them.
 */
final class TestBatches {
    private TestBatches() {
    }

    /**
     * A batch holding, for every replica r, rows r*rows.. of a and b (inputs [a, b], (rep, rows, 2)), rules
     * (rep, rows) and labels (rep, rows); labels may be null (zeros).
     */
    static Batch of(Backend backend, int rep, int maxRows, int rows, float[] a, float[] b, int[] rules,
                    float[] labels) {
        Batch batch = new Batch(backend, rep, maxRows, 2, 1);
        Task[] tasks = new Task[rep];
        for (int r = 0; r < rep; r++) tasks[r] = new Replay(r * rows, a, b, rules, labels == null ? new float[a.length] : labels);
        batch.fill(tasks, new long[rep], DataStream.TRAIN, 0, rows, 1, false, null);
        if (batch.rows() != rows) throw new AssertionError("batch has " + batch.rows() + " rows, expected " + rows);
        return batch;
    }

    /** Replays the rows of one replica, starting at row from of the host arrays. */
    private static final class Replay implements Task {
        private final int from;
        private final float[] a;
        private final float[] b;
        private final int[] ruleRows;
        private final float[] labels;

        Replay(int from, float[] a, float[] b, int[] ruleRows, float[] labels) {
            this.from = from;
            this.a = a;
            this.b = b;
            this.ruleRows = ruleRows;
            this.labels = labels;
        }

        @Override
        public int rules() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean classification() {
            return false;
        }

        @Override
        public int inputWidth() {
            return 2;
        }

        @Override
        public int labelWidth() {
            return 1;
        }

        @Override
        public int trainLength() {
            return 1;
        }

        @Override
        public int[] evalLengths() {
            return new int[] {1};
        }

        @Override
        public Map<String, double[]> coefficients() {
            return Map.of();
        }

        @Override
        public void sample(long seed, DataStream stream, long batchIndex, int examples, int length, boolean ood,
                           double[] ruleProbabilities, float[] inputs, int[] outRules, float[] outLabels,
                           int rowOffset) {
            int n = examples * length;
            for (int i = 0; i < n; i++) {
                inputs[2 * (rowOffset + i)] = a[from + i];
                inputs[2 * (rowOffset + i) + 1] = b[from + i];
                outRules[rowOffset + i] = ruleRows[from + i];
                outLabels[rowOffset + i] = labels[from + i];
            }
        }
    }
}
