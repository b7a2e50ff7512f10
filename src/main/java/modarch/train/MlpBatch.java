package modarch.train;

import modarch.task.FastRandom;
import modarch.task.MlpTask;

/** Reusable buffers for one batch of the MLP task, per replica: a, b, rule and label are (rep, rows). */
public final class MlpBatch {
    private final float[] a;
    private final float[] b;
    private final int[] rule;
    private final float[] label;
    private final int rep;
    private int rows;

    public MlpBatch(int rep, int maxRows) {
        this.rep = rep;
        this.a = new float[rep * maxRows];
        this.b = new float[a.length];
        this.rule = new int[a.length];
        this.label = new float[a.length];
    }

    /**
     * Draws rows examples for every replica r from tasks[r] and streams[r]; ruleProbabilities
     * (R) or null for uniform rules.
     */
    public void fill(MlpTask[] tasks, FastRandom[] streams, int rows, boolean ood, double[] ruleProbabilities) {
        this.rows = rows;
        for (int r = 0; r < rep; r++) {
            tasks[r].sample(streams[r], ood, ruleProbabilities, a, b, rule, label, r * rows, rows);
        }
    }

    public float[] a() {
        return a;
    }

    public float[] b() {
        return b;
    }

    public int[] rule() {
        return rule;
    }

    public float[] label() {
        return label;
    }

    public int rows() {
        return rows;
    }
}
