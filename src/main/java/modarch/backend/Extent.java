package modarch.backend;

/**
 * The shape check and reach shared by {@link Mat} and {@link IntMat}: batch items of (rows, cols) row-major blocks,
 * item i's row r at {@code off + i * stride + r * ld}.
 */
final class Extent {
    private Extent() {
    }

    /** Throws an IllegalArgumentException naming the operand unless the view lies inside a buffer of length. */
    static void check(String name, int length, int off, int batch, int stride, int rows, int cols, int ld) {
        if (off < 0 || batch < 0 || stride < 0 || rows < 0 || cols < 0) {
            throw new IllegalArgumentException(name + ": offset " + off + ", batch " + batch + ", stride " + stride
                    + ", rows " + rows + ", columns " + cols + " must not be negative");
        }
        if (rows > 1 && ld < cols) {
            throw new IllegalArgumentException(name + ": leading dimension " + ld + " is less than its " + cols
                    + " columns");
        }
        long end = off + span(batch, stride, rows, cols, ld);
        if (end > length) {
            throw new IllegalArgumentException(name + ": " + batch + " x (" + rows + ", " + cols + ") with ld " + ld
                    + " and stride " + stride + " from offset " + off + " reaches element " + end
                    + " of a buffer of " + length);
        }
    }

    /** Elements from the first addressed to one past the last (0 when the view is empty). */
    static long span(int batch, int stride, int rows, int cols, int ld) {
        if (batch == 0 || rows == 0 || cols == 0) return 0;
        return (long) (batch - 1) * stride + (long) (rows - 1) * ld + cols;
    }
}
