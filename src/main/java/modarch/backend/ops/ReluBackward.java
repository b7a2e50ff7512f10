package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * ReLU backward in place: {@code d[i][j] = y[i][j] <= 0 ? 0 : d[i][j]} (PyTorch's threshold_backward: a NaN output
 * passes its gradient); y is the ReLU's output and d its gradient, one (m, n) matrix each with its own row stride.
 * On the GPU: elementwise.cu's relu_backward, one thread per element.
 */
public record ReluBackward(Mat y, Mat d) implements Op {
    public ReluBackward {
        Shapes.same("reluBackward", y, d);
        Shapes.single("reluBackward", y);
    }

    /** last when it is this op over the first rows of y and d (rows, n), else a new one: built once per shape. */
    public static ReluBackward bind(ReluBackward last, FloatBuf y, FloatBuf d, int rows, int n) {
        if (last != null && last.y.buf() == y && last.d.buf() == d && last.y.rows() == rows && last.y.cols() == n) {
            return last;
        }
        return new ReluBackward(Mat.of("y", y, 0, rows, n), Mat.of("d", d, 0, rows, n));
    }

    @Override
    public void reference(Parallel pool) {
        float[] y = Host.floats(this.y), d = Host.floats(this.d);
        int ldy = this.y.ld(), ldd = this.d.ld(), n = this.y.cols();
        for (int i = 0; i < this.y.rows(); i++) {
            int yr = this.y.off() + i * ldy, dr = this.d.off() + i * ldd;
            for (int j = 0; j < n; j++) {
                if (y[yr + j] <= 0f) d[dr + j] = 0f;
            }
        }
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch1d("relu_backward", (long) y.rows() * y.cols(), KernelArgs.of().i(y.rows()).i(y.cols())
                .ptr(gpu.at(y)).i(y.ld()).ptr(gpu.at(d)).i(d.ld()));
    }
}
