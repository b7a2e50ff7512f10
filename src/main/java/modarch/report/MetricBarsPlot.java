package modarch.report;

import java.util.ArrayList;
import java.util.List;
import modarch.model.ModelKind;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;

/**
 * The routing metrics per rules (plot_main.py's metrics_r): one panel per metric, bars of the routed kinds (mean over
 * the runs, pooled over capacities and seeds, with the 95% Student-t interval as error bars) and of the Random row.
 */
final class MetricBarsPlot {
    private MetricBarsPlot() {
    }

    /** Null when the variant has no routed kind. */
    static Figure of(Section section) {
        List<ModelKind> routed = section.kinds().stream().filter(ModelKind::routed).toList();
        if (routed.isEmpty()) return null;
        List<CategoryChart> panels = new ArrayList<>();
        for (Quantity q : Quantity.ROUTING) panels.add(panel(section, routed, q));
        return new Figure(panels, 3);
    }

    private static CategoryChart panel(Section section, List<ModelKind> routed, Quantity q) {
        CategoryChart chart = new CategoryChart(ChartStyle.WIDTH, ChartStyle.HEIGHT);
        chart.setTitle(q.label);
        chart.setXAxisTitle("Rules");
        chart.setYAxisTitle(q.label + " (0 best, 1 worst)");
        ChartStyle.apply(chart.getStyler());
        List<String> rules = section.rules().stream().map(String::valueOf).toList();
        for (ModelKind kind : routed) {
            List<Double> mean = new ArrayList<>();
            List<Double> error = new ArrayList<>();
            for (int r : section.rules()) {
                Interval i = section.interval(kind, r, q);
                mean.add(i.n() > 0 ? i.mean() : null);
                error.add(i.n() > 1 ? i.halfWidth() : 0.0);
            }
            CategorySeries series = chart.addSeries(Kinds.label(kind), rules, mean, error);
            series.setFillColor(ChartStyle.color(kind));
        }
        List<Double> random = section.rules().stream().map(r -> Section.random(r, q)).toList();
        chart.addSeries(Kinds.RANDOM, rules, random).setFillColor(ChartStyle.RANDOM);
        // every routing metric lies in [0, 1]: a fixed scale compares panels and cuts the wide intervals of few runs
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        chart.getStyler().setErrorBarsColorSeriesColor(false).setErrorBarsColor(ChartStyle.ERROR_BARS);
        return chart;
    }
}
