package modarch.model;

import modarch.backend.Backend;
import modarch.task.Batch;

/** Batches of chosen rows for model tests. */
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
        int n = rep * rows;
        float[] inputs = new float[2 * n];
        for (int i = 0; i < n; i++) {
            inputs[2 * i] = a[i];
            inputs[2 * i + 1] = b[i];
        }
        batch.set(inputs, java.util.Arrays.copyOf(rules, n), labels == null ? new float[n] : java.util.Arrays.copyOf(labels, n));
        return batch;
    }
}
