package modarch.nn;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.Gemms;

/**
 * Independent products of two layers as one op ({@link Gemms}: one launch where their kernels allow), made again only
 * when a layer's products change (its rows or input), so a warm step builds nothing. One per place that joins.
 */
public final class JointProducts {
    private Gemms joint;
    private Object first;  // the parts joint was made of
    private Object second;

    /** a and b in one op. */
    public Gemms of(Gemm a, Gemm b) {
        if (joint == null || first != a || second != b) {
            joint = null;
            joint = Gemms.of(a, b);
            first = a;
            second = b;
        }
        return joint;
    }

    /** a's products, then b's, in one op. */
    public Gemms of(Gemms a, Gemms b) {
        if (joint == null || first != a || second != b) {
            joint = null;
            List<Gemm> all = new ArrayList<>(a.products());
            all.addAll(b.products());
            joint = new Gemms(all);
            first = a;
            second = b;
        }
        return joint;
    }
}
