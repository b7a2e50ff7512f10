package modarch.backend;

/** {@link Mat} over an {@link IntBuf}: rule indices, counters, routing choices, Philox words. */
public record IntMat(String name, IntBuf buf, int off, int batch, int stride, int rows, int cols, int ld) {
    public IntMat {
        Extent.check(name, buf.length(), off, batch, stride, rows, cols, ld);
    }

    /** A contiguous (rows, cols) matrix from off. */
    public static IntMat of(String name, IntBuf buf, int off, int rows, int cols) {
        return new IntMat(name, buf, off, 1, 0, rows, cols, cols);
    }

    /** n contiguous values from off. */
    public static IntMat vector(String name, IntBuf buf, int off, int n) {
        return of(name, buf, off, 1, n);
    }

    /** batch contiguous items of n values from off, item i at off + i * stride. */
    public static IntMat items(String name, IntBuf buf, int off, int batch, int stride, int n) {
        return new IntMat(name, buf, off, batch, stride, 1, n, n);
    }

    /** Elements from the first addressed to one past the last. */
    public long span() {
        return Extent.span(batch, stride, rows, cols, ld);
    }
}
