package modarch.backend;

/**
 * What every layer runs on: buffers the backend owns ({@link FloatBuf}, {@link IntBuf}), their upload and download,
 * replica shards, capture ({@link #record}) and op dispatch ({@link #run}). Each fused op is a class of its own
 * ({@link Op}: its operand views, its CPU reference and its CUDA launch, in {@code modarch.backend.ops} and, for the
 * task batches, {@code modarch.task}); a backend overrides only what it accelerates. Operands are {@link Mat} and
 * {@link IntMat} views, addressed BLAS-style: row-major matrices with an offset and a leading dimension, so one op
 * works on a slice of a larger tensor, and a batch of items with a stride (stride 0 shares one item).
 * {@link modarch.backend.cpu.ScalarBackend}, which runs every op's reference, is what every backend must agree with.
 * Nothing in a training step needs the host: losses, counts and Adam's step counter live in buffers, read back only
 * at evaluation points.
 */
public interface Backend extends AutoCloseable {

    /** A short name for logs and config.json, e.g. "cpu-vector". */
    String name();

    /** A new zero-filled buffer of n floats. */
    FloatBuf allocFloats(int n);

    /** A new zero-filled buffer of n ints. */
    IntBuf allocInts(int n);

    /** {@code dst[dstOff + i] = src[srcOff + i]} for i < n. */
    void upload(float[] src, int srcOff, FloatBuf dst, int dstOff, int n);

    void upload(int[] src, int srcOff, IntBuf dst, int dstOff, int n);

    /** {@code dst[dstOff + i] = src[srcOff + i]} for i < n; waits for the ops before it. */
    void download(FloatBuf src, int srcOff, float[] dst, int dstOff, int n);

    void download(IntBuf src, int srcOff, int[] dst, int dstOff, int n);

    /**
     * How a group of replicas is best spread over this backend: backends to train disjoint shards of the group
     * side by side, one thread each. A device that batches replicas itself keeps them all ({@code List.of(this)});
     * a multi-core CPU backend gives one single-threaded backend per core, since independent shards keep every
     * core busy where splitting each small op across cores cannot.
     */
    default java.util.List<Backend> replicaShards(int replicas) {
        return java.util.List.of(this);
    }

    /** Frees what the backend holds beyond its buffers (threads, contexts); buffers are closed by their owners. */
    @Override
    void close();

    /**
     * Runs op: its CPU reference on the scalar backend, its CUDA launch on a GPU, and on the vector backend its
     * vector kernel where there is one (else the reference). Ops are built once and run many times ({@link Op}).
     */
    void run(Op op);

    /**
     * Records the ops that body issues, to replay them later as one unit with the same arguments (a CUDA graph
     * on the GPU). Buffers' contents are read when replayed, not when recorded, so a replay sees the current
     * values; body must not upload or download. CPU backends simply run body again at each replay.
     */
    default Replay record(Runnable body) {
        return body::run;
    }

    /** Ops recorded by {@link #record}. */
    interface Replay extends AutoCloseable {
        /** Issues the recorded ops once more. */
        void run();

        @Override
        default void close() {
        }
    }
}
