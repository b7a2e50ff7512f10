package modarch.train;

import modarch.backend.Backend;
import modarch.model.MlpModel;
import modarch.task.FastRandom;
import modarch.task.MlpTask;

/** One optimisation step: a fresh batch, forward, loss, backward, Adam. Allocates nothing. */
public final class TrainStep {
    private final Backend backend;
    private final MlpModel model;
    private final MlpTask[] tasks;
    private final Loss loss;
    private final Adam adam;
    private final MlpBatch batch;
    private final int rows;

    public TrainStep(Backend backend, MlpModel model, MlpTask[] tasks, Loss loss, Adam adam, int rows) {
        this.backend = backend;
        this.model = model;
        this.tasks = tasks;
        this.loss = loss;
        this.adam = adam;
        this.rows = rows;
        this.batch = new MlpBatch(model.rep(), rows);
    }

    /** Runs the step on data from streams (one per replica); returns replica 0's training loss. */
    public double run(FastRandom[] streams) {
        batch.fill(tasks, streams, rows, false, null);
        model.zeroGrad();
        model.forward(batch.a(), batch.b(), batch.rule(), rows);
        double first = 0;
        for (int r = 0; r < model.rep(); r++) {
            double l = loss.apply(backend, rows, model.predictions(), batch.label(), model.gradPredictions(), r * rows);
            if (r == 0) first = l;
        }
        model.backward();
        adam.step();
        return first;
    }
}
