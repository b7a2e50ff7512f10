package modarch.nn;

import modarch.backend.FloatBuf;
import modarch.task.FastRandom;

/**
 * One trainable tensor of every replica, named and shaped as in the reference PyTorch module's state_dict
 * (e.g. "encoder_digit.0.weight" is (out, in), "MLP.0.w" is (R, din, dout)): a slice of its model's
 * {@link ParamArena}. Replica r's values start at {@link #offset(int)} in the arena's buffers.
 */
public final class Param {
    private final ParamArena arena;
    private final String name;
    private final int[] shape;   // per replica, as the reference's state_dict
    private final int size;      // elements per replica
    private final int start;     // offset inside one replica's block of the arena

    Param(ParamArena arena, String name, int[] shape, int size, int start) {
        this.arena = arena;
        this.name = name;
        this.shape = shape.clone();
        this.size = size;
        this.start = start;
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

    /** Offset of this tensor inside one replica's block (and inside {@link ParamArena#download} results). */
    public int start() {
        return start;
    }

    /** Offset of replica r's values in {@link #data()} and {@link #grad()}. */
    public int offset(int r) {
        return r * arena.replicaStride() + start;
    }

    /** Distance between two replicas' values: the arena's replica stride. */
    public int replicaStride() {
        return arena.replicaStride();
    }

    public FloatBuf data() {
        return arena.data();
    }

    public FloatBuf grad() {
        return arena.grad();
    }

    /** Fills this tensor in one replica's host values (replica-block layout) with U(-bound, bound) draws. */
    public void initUniform(float[] replicaValues, double bound, FastRandom rng) {
        for (int i = 0; i < size; i++) replicaValues[start + i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
}
