package modarch.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import modarch.model.ModelKind;
import modarch.train.EvalRecord;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Training curves from log.jsonl (plot_main.py's training plot): per rules value a row of panels, the evaluation loss
 * in distribution and OoD (log scale) and, for classification, the error (100 - accuracy, %); each line the mean per
 * kind over its complete runs at each evaluated iteration.
 */
final class TrainingCurvesPlot {
    /** One panel's measure of an evaluation. */
    private record Measure(String title, String axis, boolean log, ToDoubleFunction<EvalRecord> value) {
    }

    private TrainingCurvesPlot() {
    }

    static Figure of(Section section) {
        String loss = section.variant().classification() ? "BCE loss" : "L1 loss";
        List<Measure> measures = new ArrayList<>(List.of(
                new Measure("ID", "ID " + loss + " (log scale)", true, EvalRecord::evalLoss),
                new Measure("OoD", "OoD " + loss + " (log scale)", true, EvalRecord::evalOodLoss)));
        if (section.variant().classification()) {
            measures.add(new Measure("ID", "ID error (%)", false, e -> 100 - e.evalAccuracy()));
            measures.add(new Measure("OoD", "OoD error (%)", false, e -> 100 - e.evalOodAccuracy()));
        }
        List<XYChart> panels = new ArrayList<>();
        for (int rules : section.rules()) {
            for (Measure m : measures) panels.add(panel(section, rules, m));
        }
        return new Figure(panels, measures.size());
    }

    private static XYChart panel(Section section, int rules, Measure measure) {
        XYChart chart = new XYChart(ChartStyle.WIDTH, ChartStyle.HEIGHT);
        chart.setTitle(rules + " rules, " + measure.title);
        chart.setXAxisTitle("Training iteration");
        chart.setYAxisTitle(measure.axis);
        ChartStyle.apply(chart.getStyler());
        double low = Double.POSITIVE_INFINITY;
        double high = 0;
        for (ModelKind kind : section.kinds()) {
            Map<Long, List<Double>> byIteration = new TreeMap<>();
            for (RunRow run : section.runs(kind, rules)) {
                for (EvalRecord e : run.curve()) {
                    double v = measure.value.applyAsDouble(e);
                    if (Double.isFinite(v) && (v > 0 || !measure.log)) {
                        byIteration.computeIfAbsent(e.iteration(), i -> new ArrayList<>()).add(v);
                    }
                }
            }
            if (byIteration.isEmpty()) continue;
            double[] x = byIteration.keySet().stream().mapToDouble(Long::doubleValue).toArray();
            double[] y = byIteration.values().stream().mapToDouble(v -> Interval.of(v).mean()).toArray();
            for (double v : y) {
                low = Math.min(low, v);
                high = Math.max(high, v);
            }
            XYSeries series = chart.addSeries(Kinds.label(kind), x, y);
            series.setLineColor(ChartStyle.color(kind));
            series.setMarkerColor(ChartStyle.color(kind));
            series.setMarker(x.length > 30 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        if (!measure.log) {
            chart.getStyler().setYAxisMin(0.0);
        } else if (high > 0) {
            // whole decades: XChart then labels at least two of them (its labels between decades overlap)
            double bottom = Math.floor(Math.log10(low));
            chart.getStyler().setYAxisLogarithmic(true).setYAxisMin(Math.pow(10, bottom))
                    .setYAxisMax(Math.pow(10, Math.max(bottom + 1, Math.ceil(Math.log10(high)))));
        }
        return chart;
    }
}
