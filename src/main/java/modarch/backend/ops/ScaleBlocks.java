package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * Scales blocks of a row by per-block factors: for rows i and blocks g,
 * {@code dst[i][g*w + j] = scale[i][g] * src[i][g*w + j]} (j < w). src and dst are (m, blocks*w), scale is
 * (m, blocks), all contiguous. On the GPU: elementwise.cu's scale_blocks, one thread per element of dst.
 */
public record ScaleBlocks(Mat src, Mat scale, Mat dst) implements Op {
    public ScaleBlocks {
        Shapes.blocks("scaleBlocks", scale, src);
        Shapes.same("scaleBlocks", src, dst);
        Shapes.contiguous("scaleBlocks", dst);
    }

    /**
     * last when it is this op over the first rows of src, scale and dst (blocks of w), else a new one: built once
     * per shape.
     */
    public static ScaleBlocks bind(ScaleBlocks last, FloatBuf src, FloatBuf scale, FloatBuf dst, int rows, int blocks,
                                   int w) {
        if (last != null && last.src.buf() == src && last.scale.buf() == scale && last.dst.buf() == dst
                && last.src.rows() == rows && last.blocks() == blocks && last.w() == w) {
            return last;
        }
        return new ScaleBlocks(Mat.of("src", src, 0, rows, blocks * w), Mat.of("scale", scale, 0, rows, blocks),
                Mat.of("dst", dst, 0, rows, blocks * w));
    }

    public int blocks() {
        return scale.cols();
    }

    /** The width of a block. */
    public int w() {
        return Shapes.blockWidth(scale, src);
    }

    @Override
    public void reference(Parallel pool) {
        float[] src = Host.floats(this.src), scale = Host.floats(this.scale), dst = Host.floats(this.dst);
        int blocks = blocks(), w = w(), srcOff = this.src.off(), scaleOff = this.scale.off(), dstOff = this.dst.off();
        for (int i = 0; i < this.src.rows(); i++) {
            for (int g = 0; g < blocks; g++) {
                float s = scale[scaleOff + i * blocks + g];
                int base = i * blocks * w + g * w;
                for (int j = 0; j < w; j++) dst[dstOff + base + j] = s * src[srcOff + base + j];
            }
        }
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch1d("scale_blocks", (long) src.rows() * src.cols(), KernelArgs.of().i(src.rows()).i(blocks()).i(w())
                .ptr(gpu.at(src)).ptr(gpu.at(scale)).ptr(gpu.at(dst)));
    }
}
