package modarch.backend.ops;

import java.util.Arrays;
import java.util.List;
import modarch.backend.Mat;

/**
 * The elements of a buffer an operand's items hold: one interval [from, to) per row of every group and item (one per
 * item where its rows are contiguous), sorted, so that two ops' operands can be checked for a shared element (ops
 * that run together, in any order, must share none they write).
 */
final class Footprint {
    final String name;
    private final Object buf;
    private final long[] from;
    private final long[] to;

    private Footprint(String name, Object buf, long[] from, long[] to) {
        this.name = name;
        this.buf = buf;
        this.from = from;
        this.to = to;
    }

    static Footprint of(Mat view, int groups, int groupStride) {
        boolean contiguous = view.ld() == view.cols() || view.rows() <= 1;
        int rows = contiguous ? 1 : view.rows();
        long length = view.rows() == 0 || view.cols() == 0 ? 0
                : contiguous ? (long) (view.rows() - 1) * view.ld() + view.cols() : view.cols();
        long[] from = new long[groups * view.batch() * rows];
        int n = 0;
        for (int g = 0; g < groups; g++) {
            for (int b = 0; b < view.batch(); b++) {
                for (int i = 0; i < rows; i++) from[n++] = view.start(g, groupStride, b) + (long) i * view.ld();
            }
        }
        Arrays.sort(from);
        long[] to = new long[from.length];
        for (int i = 0; i < from.length; i++) to[i] = from[i] + length;
        return new Footprint(view.name(), view.buf(), from, to);
    }

    /**
     * Refuses ops that are not independent: op i writes writes.get(i) and uses touches.get(i) (its writes included),
     * and none may write an element another uses. kind names the whole ("gemms"), item each op ("product").
     */
    static void requireIndependent(String kind, String item, List<List<Footprint>> writes,
                                   List<List<Footprint>> touches) {
        for (int i = 0; i < writes.size(); i++) {
            for (int j = 0; j < touches.size(); j++) {
                if (i == j) continue;
                for (Footprint written : writes.get(i)) {
                    for (Footprint touched : touches.get(j)) {
                        if (written.overlaps(touched)) {
                            throw new IllegalArgumentException(kind + ": " + item + " " + i + " writes " + written.name
                                    + ", which " + item + " " + j + " uses as " + touched.name
                                    + ": they are not independent");
                        }
                    }
                }
            }
        }
    }

    /** Whether an interval of this and one of other share an element: a merge of the two sorted lists. */
    boolean overlaps(Footprint other) {
        if (buf != other.buf) return false;
        for (int i = 0, j = 0; i < from.length && j < other.from.length; ) {
            if (from[i] < other.to[j] && other.from[j] < to[i] && from[i] < to[i] && other.from[j] < other.to[j]) {
                return true;
            }
            if (to[i] <= other.to[j]) i++; else j++;
        }
        return false;
    }
}
