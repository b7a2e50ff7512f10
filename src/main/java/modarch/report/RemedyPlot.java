package modarch.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import modarch.model.ModelKind;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * One quantity against the remedies' levels: a panel per kind and rules (rows kinds, columns rules; levers on another
 * axis, such as top-k's K, get a row of their own per kind), x the levels as categories (0, 0.01, 0.1, 1), a line per
 * lever pulled alone with the 95% Student-t interval as whiskers, every line starting from the paper's recipe at 0.
 * Remedies pulling several levers at once are in the tables only.
 */
final class RemedyPlot {
    private RemedyPlot() {
    }

    /** section has a lever pulled alone in a complete run. */
    static Figure of(RemedySection section, Quantity q) {
        Map<String, List<Remedy.Lever>> byAxis = section.levers().stream()
                .collect(Collectors.groupingBy(l -> l.axis, LinkedHashMap::new, Collectors.toList()));
        List<CategoryChart> panels = new ArrayList<>();
        for (ModelKind kind : section.kinds()) {
            for (List<Remedy.Lever> levers : byAxis.values()) {
                for (int rules : section.rules()) panels.add(panel(section, kind, rules, levers, q));
            }
        }
        return new Figure(panels, section.rules().size());
    }

    /** "OoD L1 loss", "Alignment (0 best, 1 worst)": the y axis. */
    static String measure(RemedySection section, Quantity q) {
        return section.performance().label(q) + (Quantity.ROUTING.contains(q) ? " (0 best, 1 worst)" : "");
    }

    private static CategoryChart panel(RemedySection section, ModelKind kind, int rules, List<Remedy.Lever> levers,
                                       Quantity q) {
        CategoryChart chart = new CategoryChart(ChartStyle.WIDTH, ChartStyle.HEIGHT);
        chart.setTitle(Kinds.label(kind) + ", " + rules + " rules");
        chart.setXAxisTitle(levers.get(0).axis);
        chart.setYAxisTitle(measure(section, q));
        ChartStyle.apply(chart.getStyler());
        // every line's points at their level's tick (XChart would set them side by side as bars): one shared start
        chart.getStyler().setOverlapped(true);
        List<Double> levels = section.levels(levers);
        List<String> ticks = levels.stream().map(Remedy::plain).toList();
        double top = 0;
        for (Remedy.Lever lever : levers) {
            List<Double> mean = new ArrayList<>();
            List<Double> error = new ArrayList<>();
            for (Interval i : section.line(lever, levels, kind, rules, q)) {
                mean.add(i.n() > 0 ? i.mean() : null);
                error.add(i.n() > 1 ? i.halfWidth() : 0.0);
                if (i.n() > 0) top = Math.max(top, i.mean() + error.get(error.size() - 1));
            }
            CategorySeries series = chart.addSeries(lever.label, ticks, mean, error);
            series.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
            series.setLineColor(ChartStyle.color(lever));
            series.setMarkerColor(ChartStyle.color(lever));
            series.setMarker(SeriesMarkers.CIRCLE);
        }
        if (Quantity.ROUTING.contains(q)) {
            // as the routing metrics' bars: [0, 1] compares the panels and cuts the wide intervals of few runs
            chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        } else {
            // losses and errors are >= 0; a little headroom above the highest whisker
            chart.getStyler().setYAxisMin(0.0).setYAxisMax(top > 0 ? 1.05 * top : null);
            chart.getStyler().setYAxisDecimalPattern(ChartStyle.decimalPattern(top));
        }
        return chart;
    }
}
