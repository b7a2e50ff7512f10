package modarch.nn;

import java.util.List;
import java.util.stream.Stream;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.task.FastRandom;

/**
 * A Monolithic core of the reference: Linear(in, hidden) - ReLU - Linear(hidden, out), named prefix.0 and prefix.2
 * (the MLP family's "MLP" with hidden = out = D; the MHA family's "model.out_proj" with hidden = 2 dim).
 */
public final class DenseCore implements Core {
    private final Linear first;   // prefix.0: (rep, rows, in) -> (rep, rows, hidden), ReLU
    private final Linear second;  // prefix.2: (rep, rows, hidden) -> (rep, rows, out)

    public DenseCore(Workspace ws, String prefix, int in, int hidden, int out, int maxRows) {
        first = new Linear(ws, prefix + ".0", in, hidden, maxRows, true);
        second = new Linear(ws, prefix + ".2", hidden, out, maxRows, false);
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
        second.backwardInto(first);
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
