package modarch.report;

import java.util.List;
import modarch.model.ModelKind;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Performance against rules per kind, ID and OoD side by side (plot_main.py's perf plots): the mean over the runs of a
 * (kind, rules) group, pooled over capacities and seeds, with its 95% Student-t interval as error bars; rules on a
 * log2 axis.
 */
final class PerformancePlot {
    private PerformancePlot() {
    }

    static Figure of(Section section) {
        return new Figure(List.of(panel(section, Quantity.ID), panel(section, Quantity.OOD)), 2);
    }

    private static XYChart panel(Section section, Quantity q) {
        XYChart chart = new XYChart(ChartStyle.WIDTH, ChartStyle.HEIGHT);
        chart.setTitle(q == Quantity.ID ? "In distribution" : "Out of distribution (inputs x 2)");
        chart.setXAxisTitle("Rules (log2 scale)");
        chart.setYAxisTitle(section.performance().label(q));
        ChartStyle.apply(chart.getStyler());
        Log2Axis.apply(chart);
        double[] x = Log2Axis.positions(section.rules());
        double top = 0;
        for (ModelKind kind : section.kinds()) {
            double[] mean = new double[x.length];
            double[] error = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                Interval interval = section.interval(kind, section.rules().get(i), q);
                mean[i] = interval.mean();
                error[i] = interval.n() > 1 ? interval.halfWidth() : 0.0;
                if (interval.n() > 0) top = Math.max(top, mean[i] + error[i]);
            }
            XYSeries series = chart.addSeries(Kinds.label(kind), x, mean, error);
            series.setLineColor(ChartStyle.color(kind));
            series.setMarkerColor(ChartStyle.color(kind));
            series.setMarker(SeriesMarkers.CIRCLE);
        }
        // losses and errors are >= 0; a little headroom above the highest whisker
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(top > 0 ? 1.05 * top : null);
        chart.getStyler().setYAxisDecimalPattern(ChartStyle.decimalPattern(top));
        return chart;
    }
}
