package modarch.backend.ops;

import java.util.Arrays;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/** {@code x[i] = value} over the contiguous values of x. On the GPU: elementwise.cu's fill_f32. */
public record Fill(Mat x, float value) implements Op {
    public Fill {
        Shapes.vector("fill", x, x.cols());
    }

    /** last when it zeroes the first n values of x, else a new op that does: built once per shape. */
    public static Fill zeros(Fill last, FloatBuf x, int n) {
        if (last != null && last.x.buf() == x && last.x.cols() == n && last.value == 0f) return last;
        return new Fill(Mat.vector("x", x, 0, n), 0f);
    }

    @Override
    public void reference(Parallel pool) {
        Arrays.fill(Host.floats(x), x.off(), x.off() + x.cols(), value);
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch1d("fill_f32", x.cols(), KernelArgs.of().i(x.cols()).f(value).ptr(gpu.at(x)));
    }
}
