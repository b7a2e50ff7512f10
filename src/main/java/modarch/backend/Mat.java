package modarch.backend;

/**
 * A typed float operand: batch items of (rows, cols) row-major matrices in buf, item i's row r starting at
 * {@code off + i * stride + r * ld} (stride 0 shares one item). Checked once, here: nothing negative, ld at least
 * cols, and the last element addressed inside the buffer; the message names the operand. A vector is one row.
 */
public record Mat(String name, FloatBuf buf, int off, int batch, int stride, int rows, int cols, int ld) {
    public Mat {
        Extent.check(name, buf.length(), off, batch, stride, rows, cols, ld);
    }

    /** A contiguous (rows, cols) matrix from off. */
    public static Mat of(String name, FloatBuf buf, int off, int rows, int cols) {
        return new Mat(name, buf, off, 1, 0, rows, cols, cols);
    }

    /** n contiguous values from off. */
    public static Mat vector(String name, FloatBuf buf, int off, int n) {
        return of(name, buf, off, 1, n);
    }

    /** batch contiguous items of n values from off, item i at off + i * stride. */
    public static Mat items(String name, FloatBuf buf, int off, int batch, int stride, int n) {
        return new Mat(name, buf, off, batch, stride, 1, n, n);
    }

    /** Where item of group g starts, with groups groupStride elements apart. */
    public int start(int g, int groupStride, int item) {
        return off + g * groupStride + item * stride;
    }

    /** Elements from the first addressed to one past the last. */
    public long span() {
        return Extent.span(batch, stride, rows, cols, ld);
    }
}
