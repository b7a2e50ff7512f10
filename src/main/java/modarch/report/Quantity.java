package modarch.report;

import java.util.List;

/** The quantities of the report's tables and plots, in the paper's column order (plot_main.py's metrics). */
enum Quantity {
    /** In-distribution performance: see {@link Performance}. */
    ID("ID", null),
    /** Out-of-distribution performance: see {@link Performance}. */
    OOD("OoD", null),
    COLLAPSE_AVG("Collapse-Avg", "collapse_avg"),
    COLLAPSE_WORST("Collapse-Worst", "collapse_worst"),
    ALIGNMENT("Alignment", "alignment"),
    ADAPTATION("Adaptation", "adaptation"),
    INVERSE_MI("Inverse MI", "inverse_mutual_information");

    /** The routing metrics: defined for the routed kinds and the Random row, not for Monolithic. */
    static final List<Quantity> ROUTING = List.of(COLLAPSE_AVG, COLLAPSE_WORST, ALIGNMENT, ADAPTATION, INVERSE_MI);

    final String label;
    /** The metrics.json key of a routing metric; null for the performance quantities. */
    final String key;

    Quantity(String label, String key) {
        this.label = label;
        this.key = key;
    }
}
