package modarch.backend.ops;

import modarch.backend.IntMat;
import modarch.backend.Mat;

/** The shape checks the ops' constructors share; each message names the op and the operand. */
final class Shapes {
    private Shapes() {
    }

    /** b has a's items, rows and columns. */
    static void same(String op, Mat a, Mat b) {
        if (a.batch() != b.batch() || a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": " + b.name() + " is " + shape(b) + ", not " + a.name() + "'s "
                    + shape(a));
        }
    }

    /** One (rows, cols) matrix with its rows back to back, as the kernels that take only the sizes assume. */
    static void contiguous(String op, Mat view) {
        if (view.batch() != 1 || (view.rows() > 1 && view.ld() != view.cols())) {
            throw new IllegalArgumentException(op + ": " + view.name() + " must be one contiguous matrix, not "
                    + shape(view) + " with ld " + view.ld());
        }
    }

    /** One matrix: view holds a single item. */
    static void single(String op, Mat view) {
        if (view.batch() != 1) {
            throw new IllegalArgumentException(op + ": " + view.name() + " must be one matrix, not " + shape(view));
        }
    }

    /**
     * wide (m, blocks * w) holds a block of w columns per column of perBlock (m, blocks), both contiguous with the
     * same rows.
     */
    static void blocks(String op, Mat perBlock, Mat wide) {
        contiguous(op, perBlock);
        contiguous(op, wide);
        if (perBlock.rows() != wide.rows() || blockWidth(perBlock, wide) * perBlock.cols() != wide.cols()) {
            throw new IllegalArgumentException(op + ": " + wide.name() + " is " + shape(wide) + ", not a block of "
                    + "columns per column of " + perBlock.name() + "'s " + shape(perBlock));
        }
    }

    /** The columns of wide per column of perBlock (0 when perBlock has none). */
    static int blockWidth(Mat perBlock, Mat wide) {
        return perBlock.cols() == 0 ? 0 : wide.cols() / perBlock.cols();
    }

    /** groups copies of view, group g advanced by g * groupStride, all inside view's buffer. */
    static void grouped(String op, Mat view, int groups, int groupStride) {
        if (groups < 0 || groupStride < 0) {
            throw new IllegalArgumentException(op + ": " + groups + " groups of " + view.name() + " with group stride "
                    + groupStride + " must not be negative");
        }
        if (groups > 1) {
            new Mat(view.name() + " (its last group)", view.buf(), view.off() + (groups - 1) * groupStride,
                    view.batch(), view.stride(), view.rows(), view.cols(), view.ld());
        }
    }

    /** Elements groups copies of view span from its first (0 when there is none). */
    static long groupedSpan(Mat view, int groups, int groupStride) {
        long span = view.span();
        return groups == 0 || span == 0 ? 0 : (long) (groups - 1) * groupStride + span;
    }

    /** view is n contiguous values. */
    static void vector(String op, Mat view, int n) {
        if (view.batch() != 1 || view.rows() != 1 || view.cols() != n) {
            throw new IllegalArgumentException(op + ": " + view.name() + " must be " + n + " values, not "
                    + shape(view));
        }
    }

    static void vector(String op, IntMat view, int n) {
        if (view.batch() != 1 || view.rows() != 1 || view.cols() != n) {
            throw new IllegalArgumentException(op + ": " + view.name() + " must be " + n + " values, not "
                    + view.batch() + " x (" + view.rows() + ", " + view.cols() + ")");
        }
    }

    static String shape(Mat view) {
        return view.batch() + " x (" + view.rows() + ", " + view.cols() + ")";
    }
}
