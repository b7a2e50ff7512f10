package modarch.train;

import modarch.backend.Backend;
import modarch.model.MlpModel;
import modarch.task.FastRandom;
import modarch.task.MlpTask;

/** Mean loss (and accuracy) over fresh batches, as the reference's eval_step: per-batch means averaged. */
public final class Evaluator {
    private final Backend backend;
    private final MlpModel model;
    private final MlpTask[] tasks;
    private final Loss loss;
    private final MlpBatch batch;
    private final int rows;
    private final float[] gradScratch; // gradScratch is (rep, rows): the loss writes its unused gradient here

    public Evaluator(Backend backend, MlpModel model, MlpTask[] tasks, Loss loss, int rows) {
        this.backend = backend;
        this.model = model;
        this.tasks = tasks;
        this.loss = loss;
        this.rows = rows;
        this.batch = new MlpBatch(model.rep(), rows);
        this.gradScratch = new float[model.rep() * rows];
    }

    /**
     * Runs batches forward passes on data from streams; fills lossOut (rep) and, for
     * classification, accuracyOut (rep) with percentages (NaN otherwise).
     */
    public void evaluate(FastRandom[] streams, int batches, boolean ood, double[] lossOut, double[] accuracyOut) {
        int rep = model.rep();
        java.util.Arrays.fill(lossOut, 0, rep, 0.0);
        java.util.Arrays.fill(accuracyOut, 0, rep, loss == Loss.L1 ? Double.NaN : 0.0);
        for (int i = 0; i < batches; i++) {
            batch.fill(tasks, streams, rows, ood, null);
            model.forward(batch.a(), batch.b(), batch.rule(), rows);
            for (int r = 0; r < rep; r++) {
                lossOut[r] += loss.apply(backend, rows, model.predictions(), batch.label(), gradScratch, r * rows) / batches;
                if (loss == Loss.BCE_WITH_LOGITS) {
                    accuracyOut[r] += Loss.accuracyPercent(rows, model.predictions(), batch.label(), r * rows) / batches;
                }
            }
        }
    }
}
