package modarch.nn;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Precision;
import modarch.backend.ops.Gemm;

/**
 * What the layers of one model are built from: the backend, the replica count, the arithmetic of its matrix
 * products, the model's parameter arena, and the activation buffers, which it allocates and frees together.
 */
public final class Workspace implements AutoCloseable {
    private final Backend backend;
    private final int rep;
    private final Precision precision;
    private final ParamArena params;
    private final List<AutoCloseable> owned = new ArrayList<>();

    /** Products in FP32. */
    public Workspace(Backend backend, int rep) {
        this(backend, rep, Precision.FP32);
    }

    public Workspace(Backend backend, int rep, Precision precision) {
        if (rep < 1) throw new IllegalArgumentException("replicas must be >= 1: " + rep);
        this.backend = backend;
        this.rep = rep;
        this.precision = precision;
        this.params = new ParamArena(backend, rep);
        owned.add(params);
    }

    public Backend backend() {
        return backend;
    }

    /** Replicas: the leading axis of every tensor. */
    public int rep() {
        return rep;
    }

    /** The arithmetic of every matrix product of the layers ({@link Gemm} and the segmented ones). */
    public Precision precision() {
        return precision;
    }

    public ParamArena params() {
        return params;
    }

    /** A zero-filled activation buffer of rep * perReplica floats. */
    public FloatBuf floats(long perReplica) {
        FloatBuf buf = backend.allocFloats(Math.toIntExact(Math.multiplyExact(rep, perReplica)));
        owned.add(buf);
        return buf;
    }

    /** A zero-filled buffer of rep * perReplica ints. */
    public IntBuf ints(long perReplica) {
        IntBuf buf = backend.allocInts(Math.toIntExact(Math.multiplyExact(rep, perReplica)));
        owned.add(buf);
        return buf;
    }

    @Override
    public void close() {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("freeing a buffer failed", e);
            }
        }
        owned.clear();
    }
}
