package modarch.backend.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.Precision;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * Independent products run as one op: none writes what another reads or writes (checked here), so they may run in
 * any order, and on the GPU together. A step's products that read the same gradient (a layer's weight and input
 * gradients) take one launch instead of several.
 * <p>On the CPU each product runs in turn, with its own bits. On the GPU the FP32 products that {@link Gemm#kernel}
 * gives gemm_small or gemm_medium go four at a time through gemm.cu's gemm_multi, which runs each through that
 * kernel's tile, so each keeps the bits of its own launch; any other product (gemm_tiled, tensor cores) and a lone
 * one launch as they would alone.
 */
public record Gemms(List<Gemm> products) implements Op {
    /** Products in one gemm_multi launch. */
    static final int MULTI = 4;

    public Gemms {
        products = List.copyOf(products);
        for (int i = 0; i < products.size(); i++) {
            for (int j = 0; j < products.size(); j++) {
                if (i == j) continue;
                for (Extent written : writes(products.get(i))) {
                    for (Extent touched : touches(products.get(j))) {
                        if (written.overlaps(touched)) {
                            throw new IllegalArgumentException("gemms: product " + i + " writes " + written.name
                                    + ", which product " + j + " uses as " + touched.name + ": they are not independent");
                        }
                    }
                }
            }
        }
    }

    public static Gemms of(Gemm... products) {
        return new Gemms(List.of(products));
    }

    /** The elements of a buffer an operand's items hold: one interval [from, to) per group and item, sorted. */
    private record Extent(String name, Object buf, long[] from, long[] to) {
        static Extent of(Mat view, int groups, int groupStride) {
            long itemSpan = view.rows() == 0 || view.cols() == 0 ? 0 : (long) (view.rows() - 1) * view.ld() + view.cols();
            int count = groups * view.batch();
            long[] from = new long[count];
            for (int g = 0; g < groups; g++) {
                for (int b = 0; b < view.batch(); b++) from[g * view.batch() + b] = view.start(g, groupStride, b);
            }
            Arrays.sort(from);
            long[] to = new long[count];
            for (int i = 0; i < count; i++) to[i] = from[i] + itemSpan;
            return new Extent(view.name(), view.buf(), from, to);
        }

        /** Whether an item of this and one of other share an element: a merge of the two sorted lists. */
        boolean overlaps(Extent other) {
            if (buf != other.buf) return false;
            for (int i = 0, j = 0; i < from.length && j < other.from.length; ) {
                if (from[i] < other.to[j] && other.from[j] < to[i] && from[i] < to[i] && other.from[j] < other.to[j]) {
                    return true;
                }
                if (to[i] <= other.to[j]) i++; else j++;
            }
            return false;
        }
    }

    private static List<Extent> writes(Gemm p) {
        Gemm.Groups g = p.groups();
        List<Extent> out = new ArrayList<>(List.of(Extent.of(p.c(), g.count(), g.strideC())));
        ColumnSumAccumulate sums = p.columnSums();
        if (sums != null) out.add(Extent.of(sums.sum(), sums.groups(), sums.groupStrideSum()));
        return out;
    }

    private static List<Extent> touches(Gemm p) {
        Gemm.Groups g = p.groups();
        List<Extent> out = new ArrayList<>(writes(p));
        out.add(Extent.of(p.a(), g.count(), g.strideA()));
        out.add(Extent.of(p.b(), g.count(), g.strideB()));
        if (p.bias() != null) out.add(Extent.of(p.bias(), g.count(), g.strideBias()));
        if (p.mask() != null) out.add(Extent.of(p.mask(), g.count(), g.strideC()));
        return out;
    }

    @Override
    public void reference(Parallel pool) {
        for (int i = 0; i < products.size(); i++) products.get(i).reference(pool); // a warm step allocates nothing
    }

    @Override
    public void launch(Gpu gpu) {
        List<Gemm> multi = new ArrayList<>();
        for (Gemm p : products) {
            if (blocks(p, gpu) > 0) multi.add(p); else p.launch(gpu);
        }
        for (int from = 0; from < multi.size(); from += MULTI) {
            List<Gemm> chunk = multi.subList(from, Math.min(from + MULTI, multi.size()));
            if (chunk.size() == 1) {
                chunk.get(0).launch(gpu);
                continue;
            }
            KernelArgs args = KernelArgs.of();
            long total = 0;
            for (int slot = 0; slot < MULTI; slot++) {
                Gemm p = chunk.get(Math.min(slot, chunk.size() - 1)); // an unused slot: the last product, no blocks
                long blocks = slot < chunk.size() ? blocks(p, gpu) : 0;
                total += blocks;
                args.i((int) blocks).flag(medium(p, gpu)).append(p.args(gpu));
            }
            gpu.launch("gemm_multi", (int) total, 1, 1, KernelGeometry.GEMM_THREADS, 0, args);
        }
    }

    /**
     * p's blocks in gemm_multi (a block per tile and item of the kernel its shape picks), or 0 where it launches on
     * its own: tensor cores, gemm_tiled, no outputs, or more blocks than one launch of four such products can take.
     */
    private static long blocks(Gemm p, Gpu gpu) {
        if (p.precision() != Precision.FP32 || !p.launchesKernel()) return 0;
        String kernel = Gemm.kernel(p.m(), p.n(), gpu.tiledGemmsOnly());
        if (kernel.equals("gemm_tiled")) return 0;
        int tile = medium(p, gpu) ? KernelGeometry.GEMM_MEDIUM_TILE : KernelGeometry.GEMM_SMALL_TILE;
        long blocks = (long) Gpu.ceil(p.n(), tile) * Gpu.ceil(p.m(), tile) * p.groups().count() * p.c().batch();
        return blocks <= Integer.MAX_VALUE / MULTI ? blocks : 0;
    }

    private static boolean medium(Gemm p, Gpu gpu) {
        return Gemm.kernel(p.m(), p.n(), gpu.tiledGemmsOnly()).equals("gemm_medium");
    }
}
