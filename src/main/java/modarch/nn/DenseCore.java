package modarch.nn;

import java.util.List;
import java.util.stream.Stream;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.task.FastRandom;

/** The Monolithic core of the reference: Linear(in, D) - ReLU - Linear(D, D), named "MLP.0" and "MLP.2". */
public final class DenseCore implements Core {
    private final Linear first;   // MLP.0: (rep, rows, in) -> (rep, rows, D), ReLU
    private final Linear second;  // MLP.2: (rep, rows, D) -> (rep, rows, D)

    public DenseCore(Workspace ws, int in, int dim, int maxRows) {
        first = new Linear(ws, "MLP.0", in, dim, maxRows, true);
        second = new Linear(ws, "MLP.2", dim, dim, maxRows, false);
    }

    @Override
    public void init(float[] replicaValues, FastRandom rng) {
        first.init(replicaValues, rng);
        second.init(replicaValues, rng);
    }

    @Override
    public void forward(FloatBuf x, FloatBuf ruleContext, IntBuf rules, int rows) {
        first.forward(x, rows);
        second.forward(first.output(), rows);
    }

    @Override
    public void backward(FloatBuf gradInput) {
        second.backward(first.gradOutput(), false);
        first.backward(gradInput, false);
    }

    @Override
    public FloatBuf output() {
        return second.output();
    }

    @Override
    public FloatBuf gradOutput() {
        return second.gradOutput();
    }

    @Override
    public FloatBuf gradRuleContext() {
        return null;
    }

    @Override
    public List<Param> params() {
        return Stream.concat(first.params().stream(), second.params().stream()).toList();
    }
}
