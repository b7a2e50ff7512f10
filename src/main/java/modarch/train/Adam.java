package modarch.train;

import modarch.backend.Backend;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.ops.AdamUpdate;
import modarch.nn.ParamArena;

/**
 * torch.optim.Adam (no weight decay, no amsgrad) over a model's whole parameter arena in one op; the moments
 * live in the arena and the step counter in a backend buffer, so a step needs nothing from the host.
 */
public final class Adam implements AutoCloseable {
    public static final float BETA1 = 0.9f;
    public static final float BETA2 = 0.999f;
    public static final float EPS = 1e-8f;

    private final Backend backend;
    private final ParamArena arena;
    private final IntBuf step; // step is (1): the number of updates so far
    private final AdamUpdate update;
    private AdamUpdate advancing; // update that also advances the last counter given to step(counter)

    public Adam(Backend backend, ParamArena arena, double lr) {
        this.backend = backend;
        this.arena = arena;
        this.step = backend.allocInts(1);
        int n = arena.length();
        this.update = new AdamUpdate(Mat.vector("param", arena.data(), 0, n), Mat.vector("grad", arena.grad(), 0, n),
                Mat.vector("m", arena.firstMoment(), 0, n), Mat.vector("v", arena.secondMoment(), 0, n),
                IntMat.vector("step", step, 0, 1), lr, BETA1, BETA2, EPS);
    }

    /**
     * One update of every replica from the arena's gradients, as PyTorch's single-tensor Adam does; then the
     * gradients are zero (optimizer.zero_grad(set_to_none=False) folded into the same op).
     */
    public void step() {
        backend.run(update);
    }

    /**
     * {@link #step()} that also adds 1 to counter, a 64-bit count held as (low, high) words (a step's batch number),
     * in the same op.
     */
    public void step(IntMat counter) {
        if (advancing == null || !advancing.counter().equals(counter)) {
            advancing = null;
            advancing = update.advancing(counter);
        }
        backend.run(advancing);
    }

    /** Updates so far (a download: for checkpoints, not for the step). */
    public int stepCount() {
        int[] out = new int[1];
        backend.download(step, 0, out, 0, 1);
        return out[0];
    }

    public void setStepCount(int count) {
        backend.upload(new int[] {count}, 0, step, 0, 1);
    }

    @Override
    public void close() {
        step.close();
    }
}
