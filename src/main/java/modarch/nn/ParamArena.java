package modarch.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.ops.Fill;

/**
 * Every parameter of one model, all replicas, in four buffers: values, gradients and Adam's two moments, each
 * (rep, replicaStride) with replica r's block at r * replicaStride and a parameter at the same place inside
 * every block. So Adam (which also clears the gradients) and zero-grad are one op each, and a replica's checkpoint is one download. Parameters
 * are declared while the layers are built; the buffers exist from {@link #allocate()} on.
 */
public final class ParamArena implements AutoCloseable {
    private final Backend backend;
    private final int rep;
    private final List<Param> declared = new ArrayList<>();
    private int replicaStride;
    private FloatBuf data;
    private FloatBuf grad;
    private Fill zeroGrad;          // zeroes grad
    private FloatBuf firstMoment;
    private FloatBuf secondMoment;

    public ParamArena(Backend backend, int rep) {
        this.backend = backend;
        this.rep = rep;
    }

    /** Declares a tensor of every replica; shape as in the reference's state_dict. */
    public Param add(String name, int... shape) {
        if (data != null) throw new IllegalStateException("parameter " + name + " declared after allocate()");
        int size = 1;
        for (int d : shape) size = Math.multiplyExact(size, d);
        Param p = new Param(this, name, shape, size, replicaStride);
        replicaStride = Math.addExact(replicaStride, size);
        declared.add(p);
        return p;
    }

    /** Allocates the four buffers, zero-filled. */
    public void allocate() {
        int n = Math.multiplyExact(rep, replicaStride);
        data = backend.allocFloats(n);
        grad = backend.allocFloats(n);
        firstMoment = backend.allocFloats(n);
        secondMoment = backend.allocFloats(n);
    }

    /** Parameters in declaration order. */
    public List<Param> declared() {
        return Collections.unmodifiableList(declared);
    }

    public int rep() {
        return rep;
    }

    /** Values per replica. */
    public int replicaStride() {
        return replicaStride;
    }

    /** All values, (rep, replicaStride). */
    public int length() {
        return rep * replicaStride;
    }

    public FloatBuf data() {
        return data;
    }

    public FloatBuf grad() {
        return grad;
    }

    public FloatBuf firstMoment() {
        return firstMoment;
    }

    public FloatBuf secondMoment() {
        return secondMoment;
    }

    public void zeroGrad() {
        zeroGrad = Fill.zeros(zeroGrad, grad, length());
        backend.run(zeroGrad);
    }

    /** Replica r's block of one of this arena's buffers, (replicaStride). */
    public float[] download(FloatBuf buffer, int r) {
        float[] out = new float[replicaStride];
        backend.download(buffer, r * replicaStride, out, 0, replicaStride);
        return out;
    }

    /** Writes replica r's block of one of this arena's buffers. */
    public void upload(float[] values, FloatBuf buffer, int r) {
        if (values.length != replicaStride) {
            throw new IllegalArgumentException("replica block has " + values.length + " values, expected " + replicaStride);
        }
        backend.upload(values, 0, buffer, r * replicaStride, replicaStride);
    }

    @Override
    public void close() {
        for (FloatBuf b : new FloatBuf[] {data, grad, firstMoment, secondMoment}) {
            if (b != null) b.close();
        }
    }
}
