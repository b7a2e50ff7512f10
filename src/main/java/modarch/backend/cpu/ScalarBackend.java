package modarch.backend.cpu;

import static modarch.backend.cpu.HostFloatBuf.array;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Op;

/**
 * The reference backend: plain loops over heap arrays, float accumulation in k order. Slow and obviously right;
 * every other backend is tested against it. An {@link Op} runs its own reference; this class holds none of an op's
 * code.
 */
public final class ScalarBackend implements Backend {
    /** A pool of the calling thread alone: the reference runs every loop there. */
    private static final Parallel CALLER = new Parallel(1);

    @Override
    public String name() {
        return "cpu-scalar";
    }

    @Override
    public FloatBuf allocFloats(int n) {
        return new HostFloatBuf(n);
    }

    @Override
    public IntBuf allocInts(int n) {
        return new HostIntBuf(n);
    }

    @Override
    public void upload(float[] src, int srcOff, FloatBuf dst, int dstOff, int n) {
        System.arraycopy(src, srcOff, array(dst), dstOff, n);
    }

    @Override
    public void upload(int[] src, int srcOff, IntBuf dst, int dstOff, int n) {
        System.arraycopy(src, srcOff, HostIntBuf.array(dst), dstOff, n);
    }

    @Override
    public void download(FloatBuf src, int srcOff, float[] dst, int dstOff, int n) {
        System.arraycopy(array(src), srcOff, dst, dstOff, n);
    }

    @Override
    public void download(IntBuf src, int srcOff, int[] dst, int dstOff, int n) {
        System.arraycopy(HostIntBuf.array(src), srcOff, dst, dstOff, n);
    }

    @Override
    public void close() {
        // nothing held beyond the buffers
    }

    @Override
    public void run(Op op) {
        op.reference(CALLER);
    }
}
