package modarch.backend.ops;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Composite;
import modarch.backend.Precision;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * Independent products run as one op: none writes what another reads or writes (checked here), so they may run in
 * any order, and on the GPU together. A step's products that read the same gradient (a layer's weight and input
 * gradients) take one launch instead of several.
 * <p>On the CPU each product runs in turn, with its own bits (its parts). On the GPU the FP32 products that {@link Gemm#kernel}
 * gives gemm_small or gemm_medium go four at a time through gemm.cu's gemm_multi, which runs each through that
 * kernel's tile, so each keeps the bits of its own launch; any other product (gemm_tiled, tensor cores) and a lone
 * one launch as they would alone.
 */
public record Gemms(List<Gemm> products) implements Composite {
    /** Products in one gemm_multi launch. */
    static final int MULTI = 4;

    public Gemms {
        products = List.copyOf(products);
        List<List<Footprint>> writes = new ArrayList<>(), touches = new ArrayList<>();
        for (Gemm p : products) {
            writes.add(writes(p));
            touches.add(touches(p));
        }
        Footprint.requireIndependent("gemms", "product", writes, touches);
    }

    public static Gemms of(Gemm... products) {
        return new Gemms(List.of(products));
    }

    private static List<Footprint> writes(Gemm p) {
        Gemm.Groups g = p.groups();
        List<Footprint> out = new ArrayList<>(List.of(Footprint.of(p.c(), g.count(), g.strideC())));
        ColumnSumAccumulate sums = p.columnSums();
        if (sums != null) out.add(Footprint.of(sums.sum(), sums.groups(), sums.groupStrideSum()));
        return out;
    }

    private static List<Footprint> touches(Gemm p) {
        Gemm.Groups g = p.groups();
        List<Footprint> out = new ArrayList<>(writes(p));
        out.add(Footprint.of(p.a(), g.count(), g.strideA()));
        out.add(Footprint.of(p.b(), g.count(), g.strideB()));
        if (p.bias() != null) out.add(Footprint.of(p.bias(), g.count(), g.strideBias()));
        if (p.mask() != null) out.add(Footprint.of(p.mask(), g.count(), g.strideC()));
        return out;
    }

    @Override
    public List<Gemm> parts() {
        return products;
    }

    @Override
    public void launch(Gpu gpu) {
        List<Gemm> multi = new ArrayList<>();
        List<String> kernels = new ArrayList<>(); // multi's kernels, in order
        for (Gemm p : products) {
            String kernel = multiKernel(p, gpu);
            if (kernel == null) {
                p.launch(gpu);
            } else {
                multi.add(p);
                kernels.add(kernel);
            }
        }
        for (int from = 0; from < multi.size(); from += MULTI) {
            int last = Math.min(from + MULTI, multi.size()) - 1;
            if (last == from) {
                multi.get(from).launch(gpu);
                continue;
            }
            KernelArgs args = KernelArgs.of();
            long total = 0;
            for (int slot = from; slot < from + MULTI; slot++) {
                int at = Math.min(slot, last); // an unused slot: the last product, no blocks
                String kernel = kernels.get(at);
                long blocks = slot <= last ? blocks(multi.get(at), kernel) : 0;
                total += blocks;
                args.i((int) blocks).flag(kernel.equals("gemm_medium")).append(multi.get(at).args(gpu));
            }
            gpu.launch("gemm_multi", (int) total, 1, 1, KernelGeometry.GEMM_THREADS, 0, args);
        }
    }

    /**
     * The kernel whose tile p takes in gemm_multi, gemm_small or gemm_medium as {@link Gemm#kernel} picks it by p's
     * shape; null where p launches on its own: tensor cores, gemm_tiled, no outputs, or more blocks than one launch of
     * four such products can take.
     */
    private static String multiKernel(Gemm p, Gpu gpu) {
        if (p.precision() != Precision.FP32 || !p.launchesKernel()) return null;
        String kernel = Gemm.kernel(p.m(), p.n(), gpu.tiledGemmsOnly());
        if (kernel.equals("gemm_tiled")) return null;
        return blocks(p, kernel) <= Integer.MAX_VALUE / MULTI ? kernel : null;
    }

    /** p's blocks through kernel's tile: one per tile and item. */
    private static long blocks(Gemm p, String kernel) {
        int tile = kernel.equals("gemm_medium") ? KernelGeometry.GEMM_MEDIUM_TILE : KernelGeometry.GEMM_SMALL_TILE;
        return (long) Gpu.ceil(p.n(), tile) * Gpu.ceil(p.m(), tile) * p.groups().count() * p.c().batch();
    }
}
