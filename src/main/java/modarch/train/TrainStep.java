package modarch.train;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.ops.ClipGradNorm;
import modarch.model.Model;
import modarch.nn.ParamArena;
import modarch.task.Batch;
import modarch.task.DataStream;
import modarch.task.Task;

/**
 * One optimisation step of every replica: a fresh batch, forward, loss, backward, gradient-norm clipping when the
 * recipe has it (the RNN family's), Adam, which also clears the gradients for the next step and advances the batch number. Allocates nothing and reads nothing back, so it can be recorded once and
 * replayed ({@link Backend#record}): the loss of each replica stays in {@link #loss()} until someone downloads it.
 */
public final class TrainStep implements AutoCloseable {
    private final Backend backend;
    private final Model model;
    private final Task[] tasks;
    private final long[] seeds;
    private final Adam adam;
    private final Batch batch;
    private final int examples;
    private final int length;
    private final FloatBuf lossValues; // lossValues is (rep): the last step's training loss per replica
    private final FloatBuf gradNorms;  // gradNorms is (rep): clipGradNorm's output, the norms before clipping (unread)
    private final Op lossOp;           // the loss of the batch's predictions, into lossValues and gradPredictions
    private final ClipGradNorm clip;   // null: no clipping
    private long nextIteration = -1;    // the iteration whose batch the backend's batch counter names
    private boolean ranOnce;
    private Backend.Replay recorded;

    /**
     * tasks and seeds hold one entry per replica; a batch is examples of length rows each; maxGradNorm clips each
     * replica's gradient to that norm (PyTorch's clip_grad_norm_), 0 for none.
     */
    public TrainStep(Backend backend, Model model, Task[] tasks, long[] seeds, Loss loss, Adam adam,
                     int examples, int length, float maxGradNorm) {
        this.backend = backend;
        this.model = model;
        this.tasks = tasks;
        this.seeds = seeds;
        this.adam = adam;
        this.examples = examples;
        this.length = length;
        Task first = tasks[0];
        this.batch = new Batch(backend, model.rep(), examples * length, first.inputWidth(), first.labelWidth());
        this.lossValues = backend.allocFloats(model.rep());
        this.gradNorms = backend.allocFloats(model.rep());
        this.lossOp = loss.op(model.rep(), examples * length * first.labelWidth(), model.predictions(),
                batch.labels(), model.gradPredictions(), lossValues, 1f, false);
        ParamArena arena = model.arena();
        int rep = model.rep(), stride = arena.replicaStride();
        this.clip = maxGradNorm > 0 ? new ClipGradNorm(Mat.items("grad", arena.grad(), 0, rep, stride, stride),
                maxGradNorm, Mat.vector("norms", gradNorms, 0, rep)) : null;
        arena.zeroGrad(); // from here on Adam clears each gradient once read
    }

    /**
     * Runs training iteration number iteration (1-based) on training batch iteration - 1. The first run issues the
     * ops one by one; later runs replay them as recorded once (on a GPU, one CUDA graph launch per step), the
     * batch number advancing on the backend.
     */
    public void run(long iteration) {
        if (iteration != nextIteration) {
            batch.setNextIndex(iteration - 1);
            nextIteration = iteration;
        }
        if (recorded != null) {
            recorded.run();
        } else if (ranOnce) {
            recorded = backend.record(this::issue);
            recorded.run();
        } else {
            issue();
            ranOnce = true;
        }
        nextIteration++;
    }

    /** The ops of one step, none of which touches the host. */
    private void issue() {
        batch.fillNext(tasks, seeds, DataStream.TRAIN, examples, length);
        model.forward(batch);
        backend.run(lossOp);
        model.backward();
        if (clip != null) backend.run(clip);
        adam.step(batch.index()); // the batch number advances with Adam's step
    }

    /** The last step's training loss per replica, (rep). */
    public FloatBuf loss() {
        return lossValues;
    }

    @Override
    public void close() {
        if (recorded != null) recorded.close();
        batch.close();
        lossValues.close();
        gradNorms.close();
    }
}
