package modarch.nn;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.Gemms;

/**
 * Independent products of several layers as one op ({@link Gemms}: one launch where their kernels allow), made again
 * only when a layer's products change (its rows or input), so a warm step builds nothing. One per place that joins.
 */
public final class JointProducts {
    private Gemms joint;
    private final Object[] parts = new Object[4]; // what joint was made of, in order (null past the last)

    /** a and b in one op. */
    public Gemms of(Gemm a, Gemm b) {
        if (!madeOf(a, b, null, null)) make(List.of(a, b), a, b, null, null);
        return joint;
    }

    /** a, b and c in one op. */
    public Gemms of(Gemm a, Gemm b, Gemm c) {
        if (!madeOf(a, b, c, null)) make(List.of(a, b, c), a, b, c, null);
        return joint;
    }

    /** a, b, c and d in one op. */
    public Gemms of(Gemm a, Gemm b, Gemm c, Gemm d) {
        if (!madeOf(a, b, c, d)) make(List.of(a, b, c, d), a, b, c, d);
        return joint;
    }

    /** a's products, then b's, in one op. */
    public Gemms of(Gemms a, Gemms b) {
        if (!madeOf(a, b, null, null)) {
            List<Gemm> all = new ArrayList<>(a.products());
            all.addAll(b.products());
            make(all, a, b, null, null);
        }
        return joint;
    }

    private boolean madeOf(Object a, Object b, Object c, Object d) {
        return joint != null && parts[0] == a && parts[1] == b && parts[2] == c && parts[3] == d;
    }

    private void make(List<Gemm> products, Object a, Object b, Object c, Object d) {
        joint = null;
        joint = new Gemms(products);
        parts[0] = a;
        parts[1] = b;
        parts[2] = c;
        parts[3] = d;
    }
}
