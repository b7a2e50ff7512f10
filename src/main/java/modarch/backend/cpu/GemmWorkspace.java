package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.MR;
import static modarch.backend.cpu.GemmKernels.NR;

/**
 * One thread's gemm scratch: the packed-operand buffers and the kernel tile, grown only when a larger block is
 * first seen, and the {@link GemmCall} that carries this thread's calls to the pool. Held in a thread-local,
 * so callers on different threads and the pool's workers never share buffers.
 */
final class GemmWorkspace {

    private static final ThreadLocal<GemmWorkspace> CURRENT = ThreadLocal.withInitial(GemmWorkspace::new);

    final GemmCall call = new GemmCall();
    /** Kernel output, (MR, NR) at most. */
    final float[] tile = new float[MR * NR];
    private float[] packedA = new float[0];
    private float[] packedB = new float[0];
    private float[] sharedB = new float[0];
    private float[] column = new float[0];

    private GemmWorkspace() {
    }

    static GemmWorkspace current() {
        return CURRENT.get();
    }

    /** A buffer for {@link GemmPacking#packA} of kc columns. */
    float[] packedA(int kc) {
        if (packedA.length < kc * MR) packedA = new float[kc * MR];
        return packedA;
    }

    /** A buffer of at least k floats for {@link MatVec}'s copy of a strided column. */
    float[] column(int k) {
        if (column.length < k) column = new float[k];
        return column;
    }

    /**
     * A buffer of at least size floats for op(B) packed whole, which this thread's gemm calls share with the pool's
     * workers while the call runs.
     */
    float[] sharedB(int size) {
        if (sharedB.length < size) sharedB = new float[size];
        return sharedB;
    }

    /** A buffer of at least size floats for {@link GemmPacking#packB}. */
    float[] packedB(int size) {
        if (packedB.length < size) packedB = new float[size];
        return packedB;
    }
}
