package modarch.report;

import java.util.List;
import org.knowm.xchart.XYChart;

/**
 * An x axis of rules on a log2 scale: a point sits at log2(rules) and a tick reads 2^x (2, 16, 2.83). Every series
 * of the chart must hold the same positions ({@link #positions}, a missing value NaN): XChart then puts its ticks
 * exactly on them when they are equally spaced (rules 2, 4, 8, ...), else it picks round log2 steps.
 */
final class Log2Axis {
    private Log2Axis() {
    }

    /** (rules) the x positions of rules. */
    static double[] positions(List<Integer> rules) {
        return rules.stream().mapToDouble(r -> Math.log(r) / Math.log(2)).toArray();
    }

    /** Ticks labelled with the rules they stand for. */
    static void apply(XYChart chart) {
        chart.setCustomXAxisTickLabelsFormatter(position -> Numbers.tick(Math.pow(2, position)));
    }
}
