package modarch.report;

import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import modarch.model.ModelKind;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.style.Styler;

/**
 * The activation matrix of one run per routed kind, side by side (plot_main.py's heatmaps): R times the joint matrix,
 * rows the ground-truth rules (rule 1 on top), columns the modules, so that every row sums to 1 and a perfect
 * specialist is 1 on a permutation. Each kind's run is its first at the chosen rules: smallest capacity, then lowest
 * data seed, then lowest seed.
 */
final class HeatmapPlot {
    /** White to blue; black values stay readable on the darkest cell. */
    private static final Color[] RANGE = {Color.WHITE, new Color(0xC6DBEF), new Color(0x6BAED6), new Color(0x3182BD)};
    /** Above this many rules the cells are too small for their values. */
    private static final int MAX_RULES_WITH_VALUES = 8;

    private HeatmapPlot() {
    }

    /** The runs drawn at rules: each routed kind's first run with an activation matrix (none: empty). */
    static List<RunRow> runs(Section section, int rules) {
        List<RunRow> runs = new ArrayList<>();
        for (ModelKind kind : section.kinds()) {
            if (!kind.routed()) continue;
            section.runs(kind, rules).stream().filter(r -> r.activation() != null).findFirst().ifPresent(runs::add);
        }
        return runs;
    }

    /** The rules drawn when none is asked for: the largest <= 8 with a matrix, else the smallest; 0 without any. */
    static int defaultRules(Section section) {
        List<Integer> drawable = section.rules().stream().filter(r -> !runs(section, r).isEmpty()).toList();
        if (drawable.isEmpty()) return 0;
        return drawable.stream().filter(r -> r <= MAX_RULES_WITH_VALUES).reduce((a, b) -> b).orElse(drawable.get(0));
    }

    /** runs as returned by {@link #runs} (not empty). */
    static Figure of(List<RunRow> runs) {
        List<HeatMapChart> panels = new ArrayList<>();
        for (RunRow run : runs) panels.add(panel(run));
        return new Figure(panels, panels.size());
    }

    /** "GT-Modular: rules 4, 32x128, data seed 0, seed 0". */
    static String cell(RunRow run) {
        return Kinds.label(run.kind()) + ": rules " + run.rules() + ", " + run.capacity() + ", data seed "
                + run.config().dataSeed() + ", seed " + run.config().seed();
    }

    private static HeatMapChart panel(RunRow run) {
        int n = run.rules();
        HeatMapChart chart = new HeatMapChart(ChartStyle.WIDTH, ChartStyle.WIDTH, Styler.ChartTheme.XChart);
        chart.setTitle(Kinds.label(run.kind()));
        chart.setXAxisTitle("Module");
        chart.setYAxisTitle("Ground-truth rule");
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setRangeColors(RANGE).setMin(0).setMax(1).setDrawBorder(true)
                .setShowValue(n <= MAX_RULES_WITH_VALUES).setValueFontColor(Color.BLACK)
                .setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, n <= 4 ? 16 : 12))
                .setHeatMapValueDecimalPattern("0.00");
        chart.getStyler().setPlotGridLinesVisible(false);
        List<Integer> modules = IntStream.rangeClosed(1, n).boxed().toList();
        List<Integer> rulesTopDown = IntStream.rangeClosed(1, n).map(i -> n + 1 - i).boxed().toList();
        List<Number[]> cells = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) cells.add(new Number[] {m, n - 1 - r, n * run.activation()[r][m]});
        }
        chart.addSeries("R x P", modules, rulesTopDown, cells);
        return chart;
    }
}
