package modarch.report;

import java.util.Collection;

/**
 * Which metrics.json keys measure a variant's performance, as the paper's plots and rankings do (plot_main.py,
 * compute.py): regression the L1 loss, classification the error (100 - accuracy, %); ID at the training length; OoD
 * (inputs x 2) at the training length for the MLP family and, for the sequence families, at the longest evaluation
 * length (the reference's Perf-OoD-30).
 *
 * @param oodLength the OoD length of a sequence family (0 for the MLP family)
 */
record Performance(String idKey, String oodKey, int oodLength, boolean classification) {

    /** The performance of a variant whose runs are rows (the longest length is read from their metric keys). */
    static Performance of(Variant variant, Collection<RunRow> rows) {
        String base = variant.classification() ? "error" : "loss";
        if (!variant.sequences()) return new Performance(base, "ood_" + base, 0, variant.classification());
        String prefix = "ood_" + base + "_len_";
        int longest = 0;
        for (RunRow row : rows) {
            for (String key : row.metrics().keySet()) {
                String length = key.startsWith(prefix) ? key.substring(prefix.length()) : "";
                if (length.matches("[0-9]{1,6}")) longest = Math.max(longest, Integer.parseInt(length));
            }
        }
        // without per-length metrics (no run evaluated yet) the OoD key is the training length's
        return longest == 0 ? new Performance(base, "ood_" + base, 0, variant.classification())
                : new Performance(base, prefix + longest, longest, variant.classification());
    }

    String key(Quantity q) {
        return q == Quantity.ID ? idKey : q == Quantity.OOD ? oodKey : q.key;
    }

    /** "L1 loss" or "error (%)". */
    String unit() {
        return classification ? "error (%)" : "L1 loss";
    }

    /** "OoD L1 loss" / "OoD error (%), length 30": a column or axis title. */
    String label(Quantity q) {
        if (q == Quantity.ID) return "ID " + unit();
        if (q == Quantity.OOD) return "OoD " + unit() + (oodLength > 0 ? ", length " + oodLength : "");
        return q.label;
    }
}
