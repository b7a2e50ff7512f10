package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * Adds per-block dot products: {@code out[i][g] += sum_j x[i][g*w + j] * y[i][g*w + j]}, summed in j order; then,
 * when scaleY is not null, that {@link ScaleBlocks} of y (the two halves of a routing-weighted sum's backward in one
 * op). x and y are (m, blocks*w), out is (m, blocks), all contiguous. On the GPU: elementwise.cu's
 * block_dot_accumulate, one warp per element of out, its lanes writing scaleY's elements of the block too.
 */
public record BlockDotAccumulate(Mat x, Mat y, Mat out, ScaleBlocks scaleY) implements Op {
    public BlockDotAccumulate {
        Shapes.blocks("blockDotAccumulate", out, x);
        Shapes.same("blockDotAccumulate", x, y);
        Shapes.contiguous("blockDotAccumulate", y);
        if (scaleY != null && (scaleY.src().buf() != y.buf() || scaleY.src().off() != y.off()
                || scaleY.src().rows() != y.rows() || scaleY.blocks() != out.cols())) {
            throw new IllegalArgumentException("blockDotAccumulate: scaleY scales " + Shapes.shape(scaleY.src())
                    + " in " + scaleY.blocks() + " blocks, not y " + Shapes.shape(y) + " in " + out.cols());
        }
    }

    /** The dot products alone. */
    public BlockDotAccumulate(Mat x, Mat y, Mat out) {
        this(x, y, out, null);
    }

    /**
     * last when it is this op over the first rows of x, y and out (blocks of w), else a new one: built once per
     * shape.
     */
    public static BlockDotAccumulate bind(BlockDotAccumulate last, FloatBuf x, FloatBuf y, FloatBuf out, int rows,
                                          int blocks, int w) {
        if (last != null && last.x.buf() == x && last.y.buf() == y && last.out.buf() == out && last.x.rows() == rows
                && last.blocks() == blocks && last.w() == w) {
            return last;
        }
        return new BlockDotAccumulate(Mat.of("x", x, 0, rows, blocks * w), Mat.of("y", y, 0, rows, blocks * w),
                Mat.of("out", out, 0, rows, blocks));
    }

    /** This op, then scaleY (a ScaleBlocks of y, in the same blocks). */
    public BlockDotAccumulate then(ScaleBlocks scaleY) {
        return new BlockDotAccumulate(x, y, out, scaleY);
    }

    public int blocks() {
        return out.cols();
    }

    /** The width of a block. */
    public int w() {
        return Shapes.blockWidth(out, x);
    }

    @Override
    public void reference(Parallel pool) {
        float[] x = Host.floats(this.x), y = Host.floats(this.y), out = Host.floats(this.out);
        int blocks = blocks(), w = w(), xOff = this.x.off(), yOff = this.y.off(), outOff = this.out.off();
        for (int i = 0; i < this.x.rows(); i++) {
            for (int g = 0; g < blocks; g++) {
                int base = i * blocks * w + g * w;
                float sum = 0f;
                for (int j = 0; j < w; j++) sum += x[xOff + base + j] * y[yOff + base + j];
                out[outOff + i * blocks + g] += sum;
            }
        }
        if (scaleY != null) scaleY.reference(pool);
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launchWarps("block_dot_accumulate", (long) out.rows() * out.cols(), KernelArgs.of().i(x.rows())
                .i(blocks()).i(w()).ptr(gpu.at(x)).ptr(gpu.at(y)).ptr(gpu.at(out)).ptr(gpu.at(scaleY == null ? null : scaleY.scale()))
                .ptr(gpu.at(scaleY == null ? null : scaleY.dst())));
    }
}
