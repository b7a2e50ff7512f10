package modarch.train;

import java.util.List;
import modarch.backend.Backend;
import modarch.nn.Param;

/** torch.optim.Adam (no weight decay, no amsgrad): one first and second moment per parameter value. */
public final class Adam {
    public static final float BETA1 = 0.9f;
    public static final float BETA2 = 0.999f;
    public static final float EPS = 1e-8f;

    private final Backend backend;
    private final List<Param> params;
    private final float[][] firstMoment;  // per param: (rep, size)
    private final float[][] secondMoment; // per param: (rep, size)
    private final double lr;
    private long step;

    public Adam(Backend backend, List<Param> params, double lr) {
        this.backend = backend;
        this.params = params;
        this.lr = lr;
        this.firstMoment = new float[params.size()][];
        this.secondMoment = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            firstMoment[i] = new float[params.get(i).data().length];
            secondMoment[i] = new float[params.get(i).data().length];
        }
    }

    /** Applies one update from the parameters' gradients, as PyTorch's single-tensor Adam does. */
    public void step() {
        step++;
        double bias1 = 1 - Math.pow(BETA1, step);
        double bias2Sqrt = Math.sqrt(1 - Math.pow(BETA2, step));
        double stepSize = lr / bias1;
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            backend.adamUpdate(p.data().length, p.data(), p.grad(), firstMoment[i], secondMoment[i],
                    BETA1, BETA2, EPS, stepSize, bias2Sqrt);
        }
    }

    public long stepCount() {
        return step;
    }

    public void setStepCount(long step) {
        this.step = step;
    }

    /** The first moment of parameter i, (rep, size); shared, so a checkpoint can read or restore it. */
    public float[] firstMoment(int i) {
        return firstMoment[i];
    }

    public float[] secondMoment(int i) {
        return secondMoment[i];
    }
}
