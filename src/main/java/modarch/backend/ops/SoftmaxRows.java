package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * Row-wise softmax of x into y, both (m, n) contiguous, max-subtracted as PyTorch does. On the GPU: softmax.cu's
 * softmax_rows, one warp per row.
 */
public record SoftmaxRows(Mat x, Mat y) implements Op {
    public SoftmaxRows {
        Shapes.same("softmaxRows", x, y);
        Shapes.contiguous("softmaxRows", x);
        Shapes.contiguous("softmaxRows", y);
    }

    /** last when it is this op over the first rows of x and y (rows, n), else a new one: built once per shape. */
    public static SoftmaxRows bind(SoftmaxRows last, FloatBuf x, FloatBuf y, int rows, int n) {
        if (last != null && last.x.buf() == x && last.y.buf() == y && last.x.rows() == rows && last.x.cols() == n) {
            return last;
        }
        return new SoftmaxRows(Mat.of("x", x, 0, rows, n), Mat.of("y", y, 0, rows, n));
    }

    @Override
    public void reference(Parallel pool) {
        rows(0, x.rows(), x.cols(), Host.floats(x), x.off(), Host.floats(y), y.off());
    }

    /** Softmax of rows [from, to) of n: the max first, exp and sum in column order, one reciprocal per row. */
    public static void rows(int from, int to, int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = from; i < to; i++) {
            int r = i * n;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, x[xOff + r + j]);
            float sum = 0f;
            for (int j = 0; j < n; j++) {
                float e = (float) Math.exp(x[xOff + r + j] - max);
                y[yOff + r + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < n; j++) y[yOff + r + j] *= inv;
        }
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launchWarps("softmax_rows", x.rows(), KernelArgs.of().i(x.rows()).i(x.cols()).ptr(gpu.at(x))
                .ptr(gpu.at(y)));
    }
}
