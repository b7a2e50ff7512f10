package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * Strided block copies: for each of src's items, {@code dst[i][j] = src[i][j]} over its (m, n) block, or
 * {@code dst[i][j] += src[i][j]} when add; groups repeats that with src and dst advanced by g times their group
 * strides (replicas x modules in one op). On the GPU: elementwise.cu's copy_blocks, one thread per element.
 */
public record CopyBlocks(Mat src, Mat dst, boolean add, int groups, int groupStrideSrc, int groupStrideDst)
        implements Op {
    public CopyBlocks {
        Shapes.same("copyBlocks", src, dst);
        Shapes.grouped("copyBlocks", src, groups, groupStrideSrc);
        Shapes.grouped("copyBlocks", dst, groups, groupStrideDst);
    }

    /** dst = src, one group. */
    public static CopyBlocks copy(Mat src, Mat dst) {
        return new CopyBlocks(src, dst, false, 1, 0, 0);
    }

    /** dst += src, one group. */
    public static CopyBlocks add(Mat src, Mat dst) {
        return new CopyBlocks(src, dst, true, 1, 0, 0);
    }

    @Override
    public void reference(Parallel pool) {
        float[] src = Host.floats(this.src), dst = Host.floats(this.dst);
        int n = this.src.cols();
        for (int g = 0; g < groups; g++) {
            for (int item = 0; item < this.src.batch(); item++) {
                int s0 = this.src.start(g, groupStrideSrc, item), d0 = this.dst.start(g, groupStrideDst, item);
                for (int i = 0; i < this.src.rows(); i++) {
                    int s = s0 + i * this.src.ld(), d = d0 + i * this.dst.ld();
                    if (add) {
                        for (int j = 0; j < n; j++) dst[d + j] += src[s + j];
                    } else {
                        System.arraycopy(src, s, dst, d, n);
                    }
                }
            }
        }
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch1d("copy_blocks", elements(), args(gpu));
    }

    /** The elements copied: one GPU thread each. */
    long elements() {
        return (long) groups * src.batch() * src.rows() * src.cols();
    }

    /** copy_blocks's arguments (elementwise.cu's COPY_PARAMS_OF). */
    KernelArgs args(Gpu gpu) {
        return KernelArgs.of().i(groups).i(src.batch()).i(src.rows()).i(src.cols())
                .ptr(gpu.at(src, Shapes.groupedSpan(src, groups, groupStrideSrc))).i(src.ld()).i(src.stride())
                .i(groupStrideSrc)
                .ptr(gpu.at(dst, Shapes.groupedSpan(dst, groups, groupStrideDst))).i(dst.ld()).i(dst.stride())
                .i(groupStrideDst).flag(add);
    }
}
