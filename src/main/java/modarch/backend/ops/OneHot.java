package modarch.backend.ops;

import java.util.Arrays;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * One-hot rows: {@code out[i][j] = (j == index[i]) ? 1 : 0}; index is n values, out is (n, classes) contiguous. The
 * reference throws on an index outside 0..classes-1. On the GPU: elementwise.cu's one_hot, one thread per element.
 */
public record OneHot(IntMat index, Mat out) implements Op {
    public OneHot {
        Shapes.contiguous("oneHot", out);
        Shapes.vector("oneHot", index, out.rows());
    }

    /** last when it is this op over the first n of index and rows of out, else a new one: built once per shape. */
    public static OneHot bind(OneHot last, IntBuf index, FloatBuf out, int n, int classes) {
        if (last != null && last.index.buf() == index && last.out.buf() == out && last.out.rows() == n
                && last.out.cols() == classes) {
            return last;
        }
        return new OneHot(IntMat.vector("index", index, 0, n), Mat.of("out", out, 0, n, classes));
    }

    @Override
    public void reference(Parallel pool) {
        int[] index = Host.ints(this.index);
        float[] out = Host.floats(this.out);
        int n = this.out.rows(), classes = this.out.cols(), indexOff = this.index.off(), outOff = this.out.off();
        Arrays.fill(out, outOff, outOff + n * classes, 0f);
        for (int i = 0; i < n; i++) {
            int c = index[indexOff + i];
            if (c < 0 || c >= classes) {
                throw new IllegalArgumentException("one-hot index " + c + " outside 0.." + (classes - 1));
            }
            out[outOff + i * classes + c] = 1f;
        }
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch1d("one_hot", (long) out.rows() * out.cols(), KernelArgs.of().i(out.rows()).i(out.cols())
                .ptr(gpu.at(index)).ptr(gpu.at(out)));
    }
}
