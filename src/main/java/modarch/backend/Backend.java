package modarch.backend;

/**
 * What every layer runs on: buffers the backend owns ({@link FloatBuf}, {@link IntBuf}), their upload and download,
 * replica shards, capture ({@link #record}) and op dispatch ({@link #run}). Each fused op is a class of its own
 * ({@link Op}: its operand views, its CPU reference and its CUDA launch, in {@code modarch.backend.ops} and, for the
 * task batches, {@code modarch.task}); a backend overrides only what it accelerates. The products and element-wise
 * ops below are still methods here, addressed BLAS-style: matrices are row-major with an offset and a leading
 * dimension, so one call works on a slice of a larger tensor; batched ops add a batch count and a stride per operand,
 * in the shape of cuBLAS's strided batched GEMM (item i of an operand starts at {@code off + i * stride}; stride 0
 * shares one operand). {@link modarch.backend.cpu.ScalarBackend} is the reference every backend must agree with.
 * Defaults here only compose other ops. Nothing in a training step needs the host: losses, counts and Adam's step
 * counter live in buffers, read back only at evaluation points.
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
     * batch general matrix products with a fused epilogue; for item i, with each operand advanced by i times its
     * stride: {@code C = act((accumulate ? C : 0) + op(A) * op(B) + bias)}.
     *
     * <ul>
     *   <li>op(A) is (m, k): A is stored (m, k) with row stride lda, or (k, m) when transA;</li>
     *   <li>op(B) is (k, n): B is stored (k, n) with row stride ldb, or (n, k) when transB;</li>
     *   <li>C is (m, n) with row stride ldc; items must not overlap in C;</li>
     *   <li>bias, when not null, is (n) starting at biasOff and is added to every row;</li>
     *   <li>act is ReLU when relu is true ({@code x < 0 ? 0 : x}: NaN stays NaN, as in PyTorch, so a diverged
     *   run shows in its loss), identity otherwise.</li>
     * </ul>
     * k may be 0 (then C gets only the accumulate/bias/act part).
     */
    void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k,
                     FloatBuf a, int aOff, int lda, int strideA,
                     FloatBuf b, int bOff, int ldb, int strideB,
                     FloatBuf c, int cOff, int ldc, int strideC,
                     boolean accumulate, FloatBuf bias, int biasOff, int strideBias, boolean relu);

    /** One product: {@link #gemmBatched} with batch 1. */
    default void gemm(boolean transA, boolean transB, int m, int n, int k,
                      FloatBuf a, int aOff, int lda,
                      FloatBuf b, int bOff, int ldb,
                      FloatBuf c, int cOff, int ldc,
                      boolean accumulate, FloatBuf bias, int biasOff, boolean relu) {
        gemmBatched(1, transA, transB, m, n, k, a, aOff, lda, 0, b, bOff, ldb, 0, c, cOff, ldc, 0,
                accumulate, bias, biasOff, 0, relu);
    }

    /**
     * groups of batched products in one call (replicas x modules): group g is {@link #gemmBatched} with each
     * operand's offset advanced by g times its group stride. The default runs one gemmBatched per group; a GPU
     * launches them all at once.
     */
    default void gemmGrouped(int groups, int groupStrideA, int groupStrideB, int groupStrideC, int groupStrideBias,
                             int batch, boolean transA, boolean transB, int m, int n, int k,
                             FloatBuf a, int aOff, int lda, int strideA,
                             FloatBuf b, int bOff, int ldb, int strideB,
                             FloatBuf c, int cOff, int ldc, int strideC,
                             boolean accumulate, FloatBuf bias, int biasOff, int strideBias, boolean relu) {
        for (int g = 0; g < groups; g++) {
            gemmBatched(batch, transA, transB, m, n, k, a, aOff + g * groupStrideA, lda, strideA,
                    b, bOff + g * groupStrideB, ldb, strideB, c, cOff + g * groupStrideC, ldc, strideC,
                    accumulate, bias, biasOff + g * groupStrideBias, strideBias, relu);
        }
    }

    /** For each of batch items: copies an (m, n) block, {@code dst[i][j] = src[i][j]}, with the given row strides. */
    void copy(int batch, int m, int n, FloatBuf src, int srcOff, int lds, int strideSrc,
              FloatBuf dst, int dstOff, int ldd, int strideDst);

    /** For each of batch items: {@code dst[i][j] += src[i][j]} over an (m, n) block. */
    void addInto(int batch, int m, int n, FloatBuf src, int srcOff, int lds, int strideSrc,
                 FloatBuf dst, int dstOff, int ldd, int strideDst);

    /**
     * groups of {@link #copy} (or, when add, {@link #addInto}) in one call: group g with src and dst advanced by g
     * times their group strides. The default runs one call per group.
     */
    default void copyGrouped(int groups, int groupStrideSrc, int groupStrideDst, int batch, int m, int n,
                             FloatBuf src, int srcOff, int lds, int strideSrc,
                             FloatBuf dst, int dstOff, int ldd, int strideDst, boolean add) {
        for (int g = 0; g < groups; g++) {
            if (add) {
                addInto(batch, m, n, src, srcOff + g * groupStrideSrc, lds, strideSrc, dst, dstOff + g * groupStrideDst,
                        ldd, strideDst);
            } else {
                copy(batch, m, n, src, srcOff + g * groupStrideSrc, lds, strideSrc, dst, dstOff + g * groupStrideDst,
                        ldd, strideDst);
            }
        }
    }

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
