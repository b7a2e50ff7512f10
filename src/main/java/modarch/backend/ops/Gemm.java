package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.Precision;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * General matrix products with a fused epilogue, in the shape of cuBLAS's strided batched GEMM with one more level of
 * groups (replicas x modules in one op). For group g and item i, each operand advanced by g times its group stride:
 * {@code C = mask(act((accumulate ? C : 0) + op(A) . op(B) + bias))}.
 * <ul>
 *   <li>op(A) is (m, k): a holds (m, k) matrices, or (k, m) when transA;</li>
 *   <li>op(B) is (k, n): b holds (k, n) matrices, or (n, k) when transB;</li>
 *   <li>c holds the (m, n) results; items must not overlap in c;</li>
 *   <li>bias, when not null, holds an (n) row per item, added to every row of C;</li>
 *   <li>act is ReLU when relu ({@code x < 0 ? 0 : x}: NaN stays NaN, as in PyTorch, so a diverged run shows in its
 *   loss), identity otherwise;</li>
 *   <li>mask, when not null, holds (m, n) items laid out as c's (the same ld, stride and group stride): an element
 *   of C is 0 where its mask element is not positive ({@code mask <= 0}; a NaN mask keeps it), as ReluBackward
 *   zeroes a gradient where the ReLU's output is not positive, so a product can write a gradient through a ReLU.</li>
 * </ul>
 * Beside the product, columnSums (null: none) adds one operand's sums over k to a row in the same launch
 * ({@link #columnSums}). k may be 0 (C then gets only the accumulate, bias and act part). The reference sums in k order in float, with
 * the inputs rounded as precision says ({@link #item}); on the GPU,
 * gemm.cu ({@link #kernel}): gemm_small (32 x 32 tiles, k split four ways in each block) when an item's C has at most
 * 64 x 64 elements, gemm_tiled (128 x 128 tiles) for items of many such tiles, else gemm_medium (64 x 64 tiles), one
 * launch for every group and item. The choice depends on the item's shape alone, never on how many items there are,
 * so a replica's bits are the same in a group as in a single run.
 */
public record Gemm(Mat a, boolean transA, Mat b, boolean transB, Mat c, boolean accumulate, Mat bias, boolean relu,
                   Mat mask, Groups groups, Precision precision, ColumnSumAccumulate columnSums) implements Op {

    /** count groups of every operand's items, group g of each advanced by g times its stride here. */
    public record Groups(int count, int strideA, int strideB, int strideC, int strideBias) {
        public static final Groups ONE = new Groups(1, 0, 0, 0, 0);
    }

    public Gemm {
        if (a.batch() != c.batch() || b.batch() != c.batch()) {
            throw new IllegalArgumentException("gemm: a, b and c have " + a.batch() + ", " + b.batch() + " and "
                    + c.batch() + " items");
        }
        int k = transA ? a.rows() : a.cols();
        int aRows = transA ? a.cols() : a.rows();
        int bRows = transB ? b.cols() : b.rows(), bCols = transB ? b.rows() : b.cols();
        if (aRows != c.rows() || bCols != c.cols() || bRows != k) {
            throw new IllegalArgumentException("gemm: op(a) (" + aRows + ", " + k + ") . op(b) (" + bRows + ", "
                    + bCols + ") does not give c's (" + c.rows() + ", " + c.cols() + ")");
        }
        if (bias != null && (bias.batch() != c.batch() || bias.rows() != 1 || bias.cols() != c.cols())) {
            throw new IllegalArgumentException("gemm: bias is " + Shapes.shape(bias) + ", not " + c.batch()
                    + " x (1, " + c.cols() + ")");
        }
        Shapes.grouped("gemm", a, groups.count, groups.strideA);
        Shapes.grouped("gemm", b, groups.count, groups.strideB);
        Shapes.grouped("gemm", c, groups.count, groups.strideC);
        if (bias != null) Shapes.grouped("gemm", bias, groups.count, groups.strideBias);
        if (mask != null) {
            if (mask.batch() != c.batch() || mask.rows() != c.rows() || mask.cols() != c.cols() || mask.ld() != c.ld()
                    || (c.batch() > 1 && mask.stride() != c.stride())) {
                throw new IllegalArgumentException("gemm: mask is " + Shapes.shape(mask) + ", not laid out as c's "
                        + Shapes.shape(c));
            }
            Shapes.grouped("gemm", mask, groups.count, groups.strideC);
        }
        sumOf(columnSums, a, transA, b, transB, groups); // the column sums' x is one of the operands
    }

    /** {@code C = op(A) . op(B)} for each item, with no epilogue. */
    public static Gemm of(Mat a, boolean transA, Mat b, boolean transB, Mat c) {
        return new Gemm(a, transA, b, transB, c, false, null, false, null, Groups.ONE, Precision.FP32, null);
    }

    /** This product added to C when accumulate. */
    public Gemm accumulate(boolean accumulate) {
        return new Gemm(a, transA, b, transB, c, accumulate, bias, relu, mask, groups, precision, columnSums);
    }

    /** This product plus bias (null: none). */
    public Gemm bias(Mat bias) {
        return new Gemm(a, transA, b, transB, c, accumulate, bias, relu, mask, groups, precision, columnSums);
    }

    /** This product through a ReLU when relu. */
    public Gemm relu(boolean relu) {
        return new Gemm(a, transA, b, transB, c, accumulate, bias, relu, mask, groups, precision, columnSums);
    }

    /** This product zeroed where mask (laid out as c) is not positive (null: no mask). */
    public Gemm mask(Mat mask) {
        return new Gemm(a, transA, b, transB, c, accumulate, bias, relu, mask, groups, precision, columnSums);
    }

    /** This product over groups. */
    public Gemm groups(Groups groups) {
        return new Gemm(a, transA, b, transB, c, accumulate, bias, relu, mask, groups, precision, columnSums);
    }

    /** This product in the given arithmetic. */
    public Gemm precision(Precision precision) {
        return new Gemm(a, transA, b, transB, c, accumulate, bias, relu, mask, groups, precision, columnSums);
    }

    /**
     * This product with columnSums (null: none) beside it, in the same launch: the sums over k of one operand added
     * to a row, as a bias gradient beside its weight gradient. Its x must be a stored k-major: op(A) is
     * (m, k) stored (k, m) when transA, or b with op(B) (k, n) stored as is, over the same groups; its sums are then
     * those of op(A)'s rows or op(B)'s columns.
     */
    public Gemm columnSums(ColumnSumAccumulate columnSums) {
        return new Gemm(a, transA, b, transB, c, accumulate, bias, relu, mask, groups, precision, columnSums);
    }

    /** Which operand columnSums sums, as gemm.h's sumOf: 1 for a, 2 for b, 0 for none. */
    int sumOf() {
        return sumOf(columnSums, a, transA, b, transB, groups);
    }

    private static int sumOf(ColumnSumAccumulate sums, Mat a, boolean transA, Mat b, boolean transB, Groups groups) {
        if (sums == null) return 0;
        if (transA && sameItems(sums, a, groups.count, groups.strideA)) return 1;
        if (!transB && sameItems(sums, b, groups.count, groups.strideB)) return 2;
        throw new IllegalArgumentException("gemm: the column sums' x " + Shapes.shape(sums.x())
                + " is neither a transposed a nor an untransposed b over the product's groups");
    }

    private static boolean sameItems(ColumnSumAccumulate sums, Mat operand, int groups, int groupStride) {
        Mat x = sums.x();
        return x.buf() == operand.buf() && x.off() == operand.off() && x.batch() == operand.batch()
                && x.stride() == operand.stride() && x.rows() == operand.rows() && x.cols() == operand.cols()
                && x.ld() == operand.ld() && sums.groups() == groups && (groups == 1 || sums.groupStrideX() == groupStride);
    }

    public int m() {
        return c.rows();
    }

    public int n() {
        return c.cols();
    }

    public int k() {
        return transA ? a.rows() : a.cols();
    }

    @Override
    public void reference(Parallel pool) {
        float[] a = Host.floats(this.a), b = Host.floats(this.b), c = Host.floats(this.c);
        float[] bias = Host.floats(this.bias), mask = Host.floats(this.mask);
        for (int g = 0; g < groups.count; g++) {
            for (int item = 0; item < this.c.batch(); item++) {
                item(precision, transA, transB, m(), n(), k(), a, this.a.start(g, groups.strideA, item), this.a.ld(), b,
                        this.b.start(g, groups.strideB, item), this.b.ld(), c, this.c.start(g, groups.strideC, item),
                        this.c.ld(), accumulate, bias,
                        bias == null ? 0 : this.bias.start(g, groups.strideBias, item), relu);
                if (mask != null) {
                    applyMask(m(), n(), c, this.c.start(g, groups.strideC, item), this.c.ld(), mask,
                            this.mask.start(g, groups.strideC, item));
                }
            }
        }
        if (columnSums != null) columnSums.reference(pool);
    }

    /** The k step of a tensor core's product (mma m16n8k8): 3xTF32's passes take turns per step. */
    private static final int K_STEP = 8;

    /**
     * One product in the reference's arithmetic: each element's sum in k order from 0 (for 3xTF32, per k step of
     * {@link #K_STEP}: the small-big products, the big-small ones, then the big ones, as gemm_tf32's mma does), then
     * the epilogue.
     */
    public static void item(Precision precision, boolean transA, boolean transB, int m, int n, int k, float[] a,
                            int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                            boolean accumulate, float[] bias, int biasOff, boolean relu) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p0 = 0; p0 < k; p0 += K_STEP) {
                    for (int pass = 0; pass < precision.passes(); pass++) {
                        for (int p = p0; p < Math.min(p0 + K_STEP, k); p++) {
                            float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                            float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                            sum += precision.product(pass, av, bv);
                        }
                    }
                }
                int ci = cOff + i * ldc + j;
                float out = (accumulate ? c[ci] : 0f) + sum + (bias == null ? 0f : bias[biasOff + j]);
                c[ci] = relu && out < 0f ? 0f : out;
            }
        }
    }

    /** The mask's part of the epilogue, after the rest: {@code c = mask <= 0 ? 0 : c} over one (m, n) item. */
    public static void applyMask(int m, int n, float[] c, int cOff, int ldc, float[] mask, int maskOff) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (mask[maskOff + i * ldc + j] <= 0f) c[cOff + i * ldc + j] = 0f;
            }
        }
    }

    @Override
    public void launch(Gpu gpu) {
        if (!launchesKernel()) {
            if (columnSums != null) columnSums.launch(gpu);
            return;
        }
        if (precision != Precision.FP32) {
            TensorCoreGemm.launch(gpu, this);
            return;
        }
        int z = (int) Math.min((long) groups.count * c.batch(), Gpu.MAX_BLOCKS);
        String kernel = kernel(m(), n(), gpu.tiledGemmsOnly());
        int tile = switch (kernel) {
            case "gemm_tiled" -> KernelGeometry.GEMM_TILE;
            case "gemm_medium" -> KernelGeometry.GEMM_MEDIUM_TILE;
            default -> KernelGeometry.GEMM_SMALL_TILE;
        };
        gpu.launch(kernel, Gpu.ceil(n(), tile), Gpu.ceil(m(), tile), z, KernelGeometry.GEMM_THREADS, 0, args(gpu));
    }

    /** Whether the product has outputs to compute (otherwise its column sums, if any, launch alone). */
    boolean launchesKernel() {
        return (long) groups.count * c.batch() > 0 && m() > 0 && n() > 0;
    }

    /** Items of at least this many 128 x 128 tiles run gemm_tiled: 8 such items (a replica's modules) fill 128 SMs. */
    static final int TILED_MIN_TILES = 16;

    /**
     * The FP32 kernel of an (m, n) item, by its shape alone: gemm_small up to 64 x 64 outputs (unless tiledOnly),
     * gemm_tiled for items of at least {@link #TILED_MIN_TILES} of its tiles, else gemm_medium.
     */
    static String kernel(int m, int n, boolean tiledOnly) {
        int medium = KernelGeometry.GEMM_MEDIUM_TILE, tile = KernelGeometry.GEMM_TILE;
        if (!tiledOnly && (long) m * n <= (long) medium * medium) return "gemm_small";
        return (long) Gpu.ceil(m, tile) * Gpu.ceil(n, tile) >= TILED_MIN_TILES ? "gemm_tiled" : "gemm_medium";
    }

    /**
     * The arguments every gemm kernel starts with (gemm.h's GEMM_PARAMS): sizes, operands, strides, epilogue (the
     * mask at c's strides), then the column sums.
     */
    KernelArgs args(Gpu gpu) {
        return KernelArgs.of().i(groups.count).i(c.batch()).flag(transA).flag(transB).i(m()).i(n()).i(k())
                .ptr(gpu.at(a, Shapes.groupedSpan(a, groups.count, groups.strideA))).i(a.ld()).i(a.stride())
                .i(groups.strideA)
                .ptr(gpu.at(b, Shapes.groupedSpan(b, groups.count, groups.strideB))).i(b.ld()).i(b.stride())
                .i(groups.strideB)
                .ptr(gpu.at(c, Shapes.groupedSpan(c, groups.count, groups.strideC))).i(c.ld()).i(c.stride())
                .i(groups.strideC)
                .flag(accumulate)
                .ptr(bias == null ? 0 : gpu.at(bias, Shapes.groupedSpan(bias, groups.count, groups.strideBias)))
                .i(bias == null ? 0 : bias.stride()).i(groups.strideBias).flag(relu)
                .ptr(mask == null ? 0 : gpu.at(mask, Shapes.groupedSpan(mask, groups.count, groups.strideC)))
                .i(sumOf()).ptr(columnSums == null ? 0 : gpu.at(columnSums.sum(), Shapes.groupedSpan(columnSums.sum(),
                        groups.count, columnSums.groupStrideSum())))
                .i(columnSums == null ? 0 : columnSums.sum().stride())
                .i(columnSums == null ? 0 : columnSums.groupStrideSum());
    }
}
