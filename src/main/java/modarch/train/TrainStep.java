package modarch.train;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.model.Model;
import modarch.task.Batch;
import modarch.task.DataStream;
import modarch.task.Task;

/**
 * One optimisation step of every replica: a fresh batch, forward, loss, backward, Adam. Allocates nothing and
 * reads nothing back: the loss of each replica stays in {@link #loss()} until someone downloads it.
 */
public final class TrainStep implements AutoCloseable {
    private final Backend backend;
    private final Model model;
    private final Task[] tasks;
    private final long[] seeds;
    private final Loss loss;
    private final Adam adam;
    private final Batch batch;
    private final int examples;
    private final int length;
    private final FloatBuf lossValues; // lossValues is (rep): the last step's training loss per replica

    /** tasks and seeds hold one entry per replica; a batch is examples of length rows each. */
    public TrainStep(Backend backend, Model model, Task[] tasks, long[] seeds, Loss loss, Adam adam,
                     int examples, int length) {
        this.backend = backend;
        this.model = model;
        this.tasks = tasks;
        this.seeds = seeds;
        this.loss = loss;
        this.adam = adam;
        this.examples = examples;
        this.length = length;
        Task first = tasks[0];
        this.batch = new Batch(backend, model.rep(), examples * length, first.inputWidth(), first.labelWidth());
        this.lossValues = backend.allocFloats(model.rep());
    }

    /** Runs training iteration number iteration (1-based) on training batch iteration - 1. */
    public void run(long iteration) {
        batch.fill(tasks, seeds, DataStream.TRAIN, iteration - 1, examples, length, false, null);
        model.arena().zeroGrad();
        model.forward(batch);
        int n = batch.rows() * tasks[0].labelWidth();
        loss.apply(backend, model.rep(), n, model.predictions(), batch.labels(), model.gradPredictions(),
                lossValues, 1f, false);
        model.backward();
        adam.step();
    }

    /** The last step's training loss per replica, (rep). */
    public FloatBuf loss() {
        return lossValues;
    }

    @Override
    public void close() {
        batch.close();
        lossValues.close();
    }
}
