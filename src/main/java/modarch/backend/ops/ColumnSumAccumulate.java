package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * Column sums added into sum (bias gradients): for each of x's items, {@code sum[j] += sum_i x[i][j]} over its
 * (m, n) rows in row order, sum's item holding n values. groups repeats that with x and sum advanced by g times
 * their group strides (replicas x modules in one op). On the GPU: elementwise.cu's column_sum_accumulate, one launch
 * for every group and item.
 */
public record ColumnSumAccumulate(Mat x, Mat sum, int groups, int groupStrideX, int groupStrideSum) implements Op {
    public ColumnSumAccumulate {
        if (sum.batch() != x.batch() || sum.rows() != 1 || sum.cols() != x.cols()) {
            throw new IllegalArgumentException("columnSumAccumulate: sum is " + Shapes.shape(sum) + ", not "
                    + x.batch() + " x (1, " + x.cols() + ") for x's " + Shapes.shape(x));
        }
        Shapes.grouped("columnSumAccumulate", x, groups, groupStrideX);
        Shapes.grouped("columnSumAccumulate", sum, groups, groupStrideSum);
    }

    /** One group. */
    public ColumnSumAccumulate(Mat x, Mat sum) {
        this(x, sum, 1, 0, 0);
    }

    @Override
    public void reference(Parallel pool) {
        float[] x = Host.floats(this.x), sum = Host.floats(this.sum);
        for (int g = 0; g < groups; g++) {
            for (int item = 0; item < this.x.batch(); item++) {
                item(this.x.rows(), this.x.cols(), x, this.x.start(g, groupStrideX, item), this.x.ld(), sum,
                        this.sum.start(g, groupStrideSum, item));
            }
        }
    }

    /** One item: {@code sum[sumOff + j] += x[xOff + i * ldx + j]} for m rows of n, row by row. */
    public static void item(int m, int n, float[] x, int xOff, int ldx, float[] sum, int sumOff) {
        for (int i = 0; i < m; i++) {
            int r = xOff + i * ldx;
            for (int j = 0; j < n; j++) sum[sumOff + j] += x[r + j];
        }
    }

    @Override
    public void launch(Gpu gpu) {
        long items = (long) groups * x.batch();
        if (items <= 0 || x.cols() <= 0) return;
        gpu.launch("column_sum_accumulate", Gpu.ceil(x.cols(), 32), (int) Math.min(items, Gpu.MAX_BLOCKS), 1,
                KernelGeometry.BLOCK_THREADS, 0, KernelArgs.of().i(groups).i(x.batch()).i(x.rows()).i(x.cols())
                        .ptr(gpu.at(x, Shapes.groupedSpan(x, groups, groupStrideX))).i(x.ld()).i(x.stride())
                        .i(groupStrideX)
                        .ptr(gpu.at(sum, Shapes.groupedSpan(sum, groups, groupStrideSum))).i(sum.stride())
                        .i(groupStrideSum));
    }
}
