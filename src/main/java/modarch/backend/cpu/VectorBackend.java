package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.S;
import static modarch.backend.cpu.GemmKernels.VL;

import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import modarch.backend.Backend;
import modarch.backend.Composite;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.Precision;
import modarch.backend.ops.AdamUpdate;
import modarch.backend.ops.AttentionBackward;
import modarch.backend.ops.AttentionForward;
import modarch.backend.ops.AttentionShape;
import modarch.backend.ops.BlockDotAccumulate;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.CopyPair;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.GemmSegmented;
import modarch.backend.ops.GemmSegmentedWeightGrad;
import modarch.backend.ops.LstmCellBackward;
import modarch.backend.ops.LstmCellForward;
import modarch.backend.ops.ReluBackward;
import modarch.backend.ops.ScaleBlocks;
import modarch.backend.ops.SoftmaxRows;
import modarch.backend.ops.SoftmaxRowsBackward;

/**
 * The fast CPU backend: Java Vector API kernels ({@link FloatVector#SPECIES_PREFERRED}, 16 floats on AVX-512,
 * 8 on AVX2), with scalar code for the tails, and gemm spread over a {@link Parallel} pool.
 *
 * <p>Needs the incubator module: run with {@code --add-modules jdk.incubator.vector} (the project sets it once
 * in the compiler, surefire and launcher flags). {@link modarch.backend.Backends} falls back to
 * {@link ScalarBackend} when the module is missing, and {@code -Dmodarch.scalar=true} forces that choice.
 *
 * <p>Results agree with {@link ScalarBackend} to float rounding (gemm sums with FMA, so not bit for bit; the
 * attention ops, {@link VectorAttention}, give its bits) and are bit-identical from run to run, whatever the thread
 * count or timing (gemm, large Adam updates and attention use the pool).
 * Once compiled, calls allocate nothing (buffers grow when a thread first meets a larger shape). Safe to call
 * from several threads: a call made while the pool is busy runs on its own thread.
 *
 * <p>Row-wise element ops ({@link RowCall}) are split across the pool when large (replicas make them so).
 * An {@link Op} without a vector kernel here (losses, counts, clipping, the sparse dispatch's selection and
 * permutation, the task batches) runs its reference on this backend's pool: they are small next to the products.
 */
public final class VectorBackend implements Backend {

    /**
     * From this many values on, an Adam update is split across the pool (measured: 262k values 174 -> 78 us,
     * 16k values 10.9 -> 5.6 us on two cores); a parallel loop costs a few microseconds.
     */
    static final int ADAM_PARALLEL_MIN = 16 * 1024;
    /** Values per unit of the split: whole cache lines, so threads never write the same line. */
    private static final int ADAM_UNIT = 256;

    private static final ThreadLocal<AdamCall> ADAM_CALLS = ThreadLocal.withInitial(AdamCall::new);
    private static final ThreadLocal<BatchedGemmCall> BATCHED_CALLS = ThreadLocal.withInitial(BatchedGemmCall::new);

    private final Parallel parallel;
    /** The scalar backend's buffers and copies, which this one shares. */
    private final ScalarBackend reference = new ScalarBackend();
    /** One product of a segmented op: this backend's (internally parallel) gemm. */
    private final GemmKernel segmentGemm;

    /** Uses the common pool, one thread per available processor. */
    public VectorBackend() {
        this(Parallel.common());
    }

    public VectorBackend(Parallel parallel) {
        this.parallel = parallel;
        this.segmentGemm = (precision, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate,
                            bias, biasOff, relu) -> {
            if (precision == Precision.FP32) {
                GemmWorkspace.current().call.gemm(parallel, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c,
                        cOff, ldc, accumulate, bias, biasOff, relu);
            } else {
                RoundedGemm.gemm(parallel, precision, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
                        accumulate, bias, biasOff, relu);
            }
        };
    }

    @Override
    public String name() {
        return "cpu-vector";
    }

    /** The vector shape the kernels use, e.g. "256-bit vectors (8 floats)", for {@code modarch devices}. */
    public static String species() {
        return S.vectorBitSize() + "-bit vectors (" + VL + " floats)";
    }

    @Override
    public FloatBuf allocFloats(int n) {
        return reference.allocFloats(n);
    }

    @Override
    public IntBuf allocInts(int n) {
        return reference.allocInts(n);
    }

    @Override
    public void upload(float[] src, int srcOff, FloatBuf dst, int dstOff, int n) {
        reference.upload(src, srcOff, dst, dstOff, n);
    }

    @Override
    public void upload(int[] src, int srcOff, IntBuf dst, int dstOff, int n) {
        reference.upload(src, srcOff, dst, dstOff, n);
    }

    @Override
    public void download(FloatBuf src, int srcOff, float[] dst, int dstOff, int n) {
        reference.download(src, srcOff, dst, dstOff, n);
    }

    @Override
    public void download(IntBuf src, int srcOff, int[] dst, int dstOff, int n) {
        reference.download(src, srcOff, dst, dstOff, n);
    }

    @Override
    public void close() {
        // the common pool stays open for the JVM's life; a pool given to the constructor is its owner's
    }

    /** The ops this backend accelerates run their vector kernels; every other op its reference, on this pool. */
    @Override
    public void run(Op op) {
        if (op instanceof Gemm product) {
            gemm(product);
        } else if (op instanceof Composite composite) {
            List<? extends Op> parts = composite.parts();
            for (int i = 0; i < parts.size(); i++) run(parts.get(i)); // each part as this backend runs it
        } else if (op instanceof CopyBlocks blocks) {
            copyBlocks(blocks, parallel);
        } else if (op instanceof CopyPair pair) {
            copyBlocks(pair.first(), parallel);
            copyBlocks(pair.second(), parallel);
        } else if (op instanceof AdamUpdate adam) {
            adam(adam);
        } else if (op instanceof AttentionForward a) {
            attentionForward(a);
        } else if (op instanceof AttentionBackward a) {
            attentionBackward(a);
        } else if (op instanceof LstmCellForward step) {
            step.runOn(VectorLstmCell.local(parallel)); // lanes over the hidden units, rows across the pool when many
        } else if (op instanceof LstmCellBackward step) {
            step.runOn(VectorLstmCell.local(parallel));
        } else if (op instanceof GemmSegmented product) {
            product.runOn(segmentGemm); // a vector gemm per segment
        } else if (op instanceof GemmSegmentedWeightGrad product) {
            product.runOn(segmentGemm);
        } else if (op instanceof ColumnSumAccumulate s) {
            columnSum(s);
        } else if (op instanceof ReluBackward r) {
            RowCall.current().run(parallel, RowCall.Op.RELU_BACKWARD, r.d().rows(), r.d().cols(), 0, 0,
                    Host.floats(r.d()), r.d().off(), r.d().ld(), Host.floats(r.y()), r.y().off(), r.y().ld(), null, 0,
                    r.d().cols());
        } else if (op instanceof ScaleBlocks s) { // the reference's products, one vector of a block at a time
            RowCall.current().run(parallel, RowCall.Op.SCALE_BLOCKS, s.src().rows(), 0, s.blocks(), s.w(),
                    Host.floats(s.src()), s.src().off(), 0, Host.floats(s.scale()), s.scale().off(), 0,
                    Host.floats(s.dst()), s.dst().off(), s.src().cols());
        } else if (op instanceof BlockDotAccumulate d) { // each block's dot in vectors: not the reference's order
            RowCall.current().run(parallel, RowCall.Op.BLOCK_DOT, d.x().rows(), 0, d.blocks(), d.w(),
                    Host.floats(d.x()), d.x().off(), 0, Host.floats(d.y()), d.y().off(), 0, Host.floats(d.out()),
                    d.out().off(), d.x().cols());
            if (d.scaleY() != null) run(d.scaleY());
        } else if (op instanceof SoftmaxRows s) { // the reference's arithmetic, rows split across the pool
            RowCall.current().run(parallel, RowCall.Op.SOFTMAX, s.x().rows(), s.x().cols(), 0, 0, Host.floats(s.x()),
                    s.x().off(), 0, null, 0, 0, Host.floats(s.y()), s.y().off(), s.x().cols());
        } else if (op instanceof SoftmaxRowsBackward s) {
            RowCall.current().run(parallel, RowCall.Op.SOFTMAX_BACKWARD, s.y().rows(), s.y().cols(), 0, 0,
                    Host.floats(s.y()), s.y().off(), 0, Host.floats(s.dy()), s.dy().off(), 0, Host.floats(s.dx()),
                    s.dx().off(), s.y().cols());
        } else {
            op.reference(parallel);
        }
    }

    /**
     * One single-threaded backend per thread of this one's pool (at most one per replica). Measured on two cores,
     * (E, D) = (32, 128), 8 replicas: two shards of 4 on one thread each, 2.65 ms per step of all 8; one group of
     * 8 split op by op across both threads, 4.9 ms (the second thread was busy 37% of the time).
     */
    @Override
    public List<Backend> replicaShards(int replicas) {
        int shards = Math.min(replicas, parallel.threads());
        if (shards <= 1) return List.of(this);
        Backend[] out = new Backend[shards];
        for (int i = 0; i < shards; i++) out[i] = new VectorBackend(new Parallel(1));
        return List.of(out);
    }

    /** A product in its precision's kernels, then its mask and its column sums when it has them. */
    private void gemm(Gemm op) {
        if (op.precision() != Precision.FP32) {
            roundedGemm(op);
        } else {
            fp32Gemm(op);
        }
        if (op.mask() != null) gemmMask(op);
        if (op.columnSums() != null) columnSum(op.columnSums());
    }

    /** The mask of op's epilogue, after the rest of it: the reference's {@link Gemm#applyMask} on each item. */
    private static void gemmMask(Gemm op) {
        Mat c = op.c(), mask = op.mask();
        Gemm.Groups groups = op.groups();
        for (int g = 0; g < groups.count(); g++) {
            for (int item = 0; item < c.batch(); item++) {
                Gemm.applyMask(op.m(), op.n(), Host.floats(c), c.start(g, groups.strideC(), item), c.ld(),
                        Host.floats(mask), mask.start(g, groups.strideC(), item));
            }
        }
    }

    /**
     * One item runs as one (internally parallel) gemm. Several items are split whole across the pool when their
     * products add up to enough work ({@link GemmCall#PARALLEL_MIN}) and they divide evenly or outnumber the threads
     * twice (each item then runs on one thread, with no packing shared between threads); otherwise they run one after
     * another, each parallel. Groups run one after another. Every element is computed with the same arithmetic
     * either way, so results do not depend on the split.
     */
    private void fp32Gemm(Gemm op) {
        Mat a = op.a(), b = op.b(), c = op.c(), bias = op.bias();
        Gemm.Groups groups = op.groups();
        int batch = c.batch(), threads = parallel.threads();
        boolean large = (long) batch * op.m() * op.n() * op.k() >= GemmCall.PARALLEL_MIN;
        boolean split = batch > 1 && threads > 1 && large && (batch % threads == 0 || batch >= 2 * threads);
        BatchedGemmCall call = BATCHED_CALLS.get();
        try {
            for (int g = 0; g < groups.count(); g++) {
                call.set(parallel, op.transA(), op.transB(), op.m(), op.n(), op.k(), Host.floats(a),
                        a.start(g, groups.strideA(), 0), a.ld(), a.stride(), Host.floats(b),
                        b.start(g, groups.strideB(), 0), b.ld(), b.stride(), Host.floats(c),
                        c.start(g, groups.strideC(), 0), c.ld(), c.stride(), op.accumulate(), Host.floats(bias),
                        bias == null ? 0 : bias.start(g, groups.strideBias(), 0), bias == null ? 0 : bias.stride(),
                        op.relu());
                if (split) {
                    parallel.parallelFor(batch, call);
                } else {
                    call.run(0, batch);
                }
            }
        } finally {
            call.clear();
        }
    }

    /** {@link RoundedGemm} for each group and item, one after another. */
    private void roundedGemm(Gemm op) {
        Mat a = op.a(), b = op.b(), c = op.c(), bias = op.bias();
        Gemm.Groups groups = op.groups();
        for (int g = 0; g < groups.count(); g++) {
            for (int item = 0; item < c.batch(); item++) {
                RoundedGemm.gemm(parallel, op.precision(), op.transA(), op.transB(), op.m(), op.n(), op.k(),
                        Host.floats(a), a.start(g, groups.strideA(), item), a.ld(), Host.floats(b),
                        b.start(g, groups.strideB(), item), b.ld(), Host.floats(c), c.start(g, groups.strideC(), item),
                        c.ld(), op.accumulate(), Host.floats(bias),
                        bias == null ? 0 : bias.start(g, groups.strideBias(), item), op.relu());
            }
        }
    }

    /** One calling thread's batched gemm, handed to the pool without allocating: items [from, to) each run whole. */
    private static final class BatchedGemmCall implements Parallel.IntRangeBody {
        private boolean transA, transB, accumulate, relu;
        private int m, n, k, aOff, lda, strideA, bOff, ldb, strideB, cOff, ldc, strideC, biasOff, strideBias;
        private float[] a, b, c, bias;
        private Parallel parallel;

        void set(Parallel parallel, boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda, int strideA,
                 float[] b, int bOff, int ldb, int strideB, float[] c, int cOff, int ldc, int strideC,
                 boolean accumulate, float[] bias, int biasOff, int strideBias, boolean relu) {
            this.parallel = parallel;
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.strideA = strideA;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.strideB = strideB;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.strideC = strideC;
            this.accumulate = accumulate;
            this.bias = bias;
            this.biasOff = biasOff;
            this.strideBias = strideBias;
            this.relu = relu;
        }

        void clear() {
            a = b = c = bias = null;
            parallel = null;
        }

        @Override
        public void run(int from, int to) {
            GemmCall gemm = GemmWorkspace.current().call;
            for (int i = from; i < to; i++) {
                gemm.gemm(parallel, transA, transB, m, n, k, a, aOff + i * strideA, lda, b, bOff + i * strideB, ldb,
                        c, cOff + i * strideC, ldc, accumulate, bias, biasOff + i * strideBias, relu);
            }
        }
    }

    /** Same sums in the same order (row by row) as the reference, four vectors of columns at a time. */
    private static void columnSum(ColumnSumAccumulate op) {
        Mat x = op.x(), sum = op.sum();
        for (int g = 0; g < op.groups(); g++) {
            for (int item = 0; item < x.batch(); item++) {
                columnSum(x.rows(), x.cols(), Host.floats(x), x.start(g, op.groupStrideX(), item), x.ld(),
                        Host.floats(sum), sum.start(g, op.groupStrideSum(), item));
            }
        }
    }

    private static void columnSum(int m, int n, float[] x, int xOff, int ldx, float[] sum, int sumOff) {
        int j = 0;
        for (; j + 4 * VL <= n; j += 4 * VL) {
            int s = sumOff + j;
            FloatVector s0 = FloatVector.fromArray(S, sum, s);
            FloatVector s1 = FloatVector.fromArray(S, sum, s + VL);
            FloatVector s2 = FloatVector.fromArray(S, sum, s + 2 * VL);
            FloatVector s3 = FloatVector.fromArray(S, sum, s + 3 * VL);
            for (int i = 0; i < m; i++) {
                int r = xOff + i * ldx + j;
                s0 = s0.add(FloatVector.fromArray(S, x, r));
                s1 = s1.add(FloatVector.fromArray(S, x, r + VL));
                s2 = s2.add(FloatVector.fromArray(S, x, r + 2 * VL));
                s3 = s3.add(FloatVector.fromArray(S, x, r + 3 * VL));
            }
            s0.intoArray(sum, s);
            s1.intoArray(sum, s + VL);
            s2.intoArray(sum, s + 2 * VL);
            s3.intoArray(sum, s + 3 * VL);
        }
        for (; j + VL <= n; j += VL) {
            FloatVector s0 = FloatVector.fromArray(S, sum, sumOff + j);
            for (int i = 0; i < m; i++) s0 = s0.add(FloatVector.fromArray(S, x, xOff + i * ldx + j));
            s0.intoArray(sum, sumOff + j);
        }
        for (; j < n; j++) {
            float s = sum[sumOff + j];
            for (int i = 0; i < m; i++) s += x[xOff + i * ldx + j];
            sum[sumOff + j] = s;
        }
    }

    /** {@link CopyBlocks}: the reference's sums when it adds, one vector of columns at a time; a copy is the reference. */
    private static void copyBlocks(CopyBlocks op, Parallel pool) {
        if (!op.add()) {
            op.reference(pool);
            return;
        }
        Mat src = op.src(), dst = op.dst();
        float[] from = Host.floats(src), to = Host.floats(dst);
        int n = src.cols();
        for (int g = 0; g < op.groups(); g++) {
            for (int item = 0; item < src.batch(); item++) {
                for (int i = 0; i < src.rows(); i++) {
                    int s = src.start(g, op.groupStrideSrc(), item) + i * src.ld();
                    int d = dst.start(g, op.groupStrideDst(), item) + i * dst.ld();
                    int j = 0;
                    for (; j + VL <= n; j += VL) {
                        FloatVector.fromArray(S, to, d + j).add(FloatVector.fromArray(S, from, s + j)).intoArray(to,
                                d + j);
                    }
                    for (; j < n; j++) to[d + j] += from[s + j];
                }
            }
        }
    }

    /**
     * {@link AdamUpdate}: the reference's float math for m and v (bit for bit); the step is rearranged to one
     * division per value: {@code p -= (stepSize * c) * m / (sqrt(v) + eps * c)} with c = sqrt(1 - b2^t), which equals
     * the reference's {@code stepSize * (m / (sqrt(v) / c + eps))} up to a few float roundings (the square root is
     * taken in float). Vector lanes and the scalar tail do the same operations, so every value gets the same bits
     * however the range is cut; from {@link #ADAM_PARALLEL_MIN} values on, the range is split across the pool.
     */
    private void adam(AdamUpdate op) {
        float[] param = Host.floats(op.param()), grad = Host.floats(op.grad()), m = Host.floats(op.m());
        float[] v = Host.floats(op.v());
        int n = op.n();
        float beta1 = op.beta1(), beta2 = op.beta2();
        int t = AdamStep.advance(Host.ints(op.step()), op.step().off());
        if (op.counter() != null) AdamUpdate.advance(Host.ints(op.counter()), op.counter().off());
        double c = AdamStep.biasCorrection2Sqrt(t, beta2);
        float step = (float) (AdamStep.stepSize(t, op.lr(), beta1) * c), epsScaled = (float) (op.eps() * c);
        if (n < ADAM_PARALLEL_MIN || parallel.threads() == 1) {
            adamRange(0, n, param, grad, m, v, beta1, beta2, epsScaled, step);
            return;
        }
        AdamCall call = ADAM_CALLS.get();
        call.set(n, param, grad, m, v, beta1, beta2, epsScaled, step);
        try {
            parallel.parallelFor((n + ADAM_UNIT - 1) / ADAM_UNIT, call);
        } finally {
            call.set(0, null, null, null, null, 0f, 0f, 0f, 0f);
        }
    }

    /** {@link VectorAttention}: the reference's bits, (sequence, head) items split across the pool when many. */
    private void attentionForward(AttentionForward a) {
        AttentionShape s = a.shape();
        VectorAttention.forward(parallel, s.seqs(), s.length(), s.heads(), s.headDim(), s.topK(), a.scale(),
                Host.floats(a.q()), Host.floats(a.k()), Host.floats(a.v()), Host.floats(a.out()), Host.ints(a.kept()),
                Host.floats(a.weight()));
    }

    /** {@link VectorAttention}: the reference's bits, (sequence, head) items split across the pool when many. */
    private void attentionBackward(AttentionBackward a) {
        AttentionShape s = a.shape();
        VectorAttention.backward(parallel, s.seqs(), s.length(), s.heads(), s.headDim(), s.topK(), a.scale(),
                Host.floats(a.q()), Host.floats(a.k()), Host.floats(a.v()), Host.ints(a.kept()),
                        Host.floats(a.weight()),
                Host.floats(a.gradOut()), Host.floats(a.gradScore()), Host.floats(a.gradQ()), Host.floats(a.gradK()),
                Host.floats(a.gradV()));
    }

    /** One calling thread's Adam update, handed to the pool without allocating. */
    private static final class AdamCall implements Parallel.IntRangeBody {
        private int n;
        private float[] param, grad, m, v;
        private float beta1, beta2, epsScaled, step;

        void set(int n, float[] param, float[] grad, float[] m, float[] v,
                 float beta1, float beta2, float epsScaled, float step) {
            this.n = n;
            this.param = param;
            this.grad = grad;
            this.m = m;
            this.v = v;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsScaled = epsScaled;
            this.step = step;
        }

        @Override
        public void run(int from, int to) {
            adamRange(from * ADAM_UNIT, Math.min(n, to * ADAM_UNIT), param, grad, m, v, beta1, beta2, epsScaled, step);
        }
    }

    /** Adam on values [from, to), each gradient cleared once read; step is stepSize * c and epsScaled is eps * c, c = sqrt(1 - b2^t). */
    private static void adamRange(int from, int to, float[] param, float[] grad, float[] m, float[] v,
                                  float beta1, float beta2, float epsScaled, float step) {
        float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
        int i = from;
        for (; i + VL <= to; i += VL) {
            FloatVector g = FloatVector.fromArray(S, grad, i);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(beta1).add(g.mul(oneMinusBeta1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(beta2).add(g.mul(oneMinusBeta2).mul(g));
            FloatVector denom = vi.lanewise(VectorOperators.SQRT).add(epsScaled);
            FloatVector p = FloatVector.fromArray(S, param, i);
            p.sub(mi.mul(step).div(denom)).intoArray(param, i);
            mi.intoArray(m, i);
            vi.intoArray(v, i);
        }
        for (; i < to; i++) {
            float g = grad[i];
            float mi = beta1 * m[i] + oneMinusBeta1 * g;
            float vi = beta2 * v[i] + oneMinusBeta2 * g * g;
            m[i] = mi;
            v[i] = vi;
            // the float square root is correctly rounded, as the vector lanes' is
            param[i] -= mi * step / ((float) Math.sqrt(vi) + epsScaled);
        }
        java.util.Arrays.fill(grad, from, to, 0f); // each value was read above, in its own iteration only
    }

}
