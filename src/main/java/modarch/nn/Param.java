package modarch.nn;

import java.util.Arrays;

/**
 * One trainable tensor of every replica, named and shaped as in the reference PyTorch
 * module's state_dict (e.g. "encoder_digit.0.weight" is (out, in), "MLP.0.w" is (R, din, dout)).
 */
public final class Param {
    private final String name;
    private final int[] shape;   // per replica, as the reference's state_dict
    private final int size;      // elements per replica
    private final int rep;
    private final float[] data;  // data is (rep, size)
    private final float[] grad;  // grad is (rep, size)

    public Param(String name, int rep, int... shape) {
        this.name = name;
        this.shape = shape.clone();
        int n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        this.size = n;
        this.rep = rep;
        this.data = new float[Math.multiplyExact(rep, n)];
        this.grad = new float[data.length];
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    /** Elements per replica. */
    public int size() {
        return size;
    }

    public int rep() {
        return rep;
    }

    /** Offset of replica r's values in {@link #data()} and {@link #grad()}. */
    public int offset(int r) {
        return r * size;
    }

    public float[] data() {
        return data;
    }

    public float[] grad() {
        return grad;
    }

    public void zeroGrad() {
        Arrays.fill(grad, 0f);
    }

    /** Fills replica r with U(-bound, bound) draws, as PyTorch's default initialisers do. */
    public void initUniform(int r, double bound, modarch.task.FastRandom rng) {
        int off = offset(r);
        for (int i = 0; i < size; i++) data[off + i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
}
