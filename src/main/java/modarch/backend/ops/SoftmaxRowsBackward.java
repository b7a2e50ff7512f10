package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * Softmax backward per row: {@code dx = y * (dy - sum_j y_j dy_j)}; y, dy and dx are (m, n) contiguous. On the GPU:
 * softmax.cu's softmax_rows_backward, one warp per row.
 */
public record SoftmaxRowsBackward(Mat y, Mat dy, Mat dx) implements Op {
    public SoftmaxRowsBackward {
        Shapes.same("softmaxRowsBackward", y, dy);
        Shapes.same("softmaxRowsBackward", y, dx);
        Shapes.contiguous("softmaxRowsBackward", y);
        Shapes.contiguous("softmaxRowsBackward", dy);
        Shapes.contiguous("softmaxRowsBackward", dx);
    }

    /** last when it is this op over the first rows of y, dy and dx (rows, n), else a new one: built once per shape. */
    public static SoftmaxRowsBackward bind(SoftmaxRowsBackward last, FloatBuf y, FloatBuf dy, FloatBuf dx, int rows,
                                           int n) {
        if (last != null && last.y.buf() == y && last.dy.buf() == dy && last.dx.buf() == dx && last.y.rows() == rows
                && last.y.cols() == n) {
            return last;
        }
        return new SoftmaxRowsBackward(Mat.of("y", y, 0, rows, n), Mat.of("dy", dy, 0, rows, n),
                Mat.of("dx", dx, 0, rows, n));
    }

    @Override
    public void reference(Parallel pool) {
        rows(0, y.rows(), y.cols(), Host.floats(y), y.off(), Host.floats(dy), dy.off(), Host.floats(dx), dx.off());
    }

    /** Softmax backward of rows [from, to) of n: dx = y * (dy - sum_j y_j dy_j). */
    public static void rows(int from, int to, int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx,
                            int dxOff) {
        for (int i = from; i < to; i++) {
            int r = i * n;
            float dot = 0f;
            for (int j = 0; j < n; j++) dot += y[yOff + r + j] * dy[dyOff + r + j];
            for (int j = 0; j < n; j++) dx[dxOff + r + j] = y[yOff + r + j] * (dy[dyOff + r + j] - dot);
        }
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launchWarps("softmax_rows_backward", y.rows(), KernelArgs.of().i(y.rows()).i(y.cols()).ptr(gpu.at(y))
                .ptr(gpu.at(dy)).ptr(gpu.at(dx)));
    }
}
