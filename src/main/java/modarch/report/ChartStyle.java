package modarch.report;

import java.awt.Color;
import java.awt.Font;
import java.util.Locale;
import modarch.model.ModelKind;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

/**
 * The report's look: one colour per kind in every plot and one per remedy lever, none shared (Okabe-Ito, safe for
 * colour-blind readers), fonts, legends.
 */
final class ChartStyle {
    /** A panel's size in pixels. */
    static final int WIDTH = 520;
    static final int HEIGHT = 420;
    static final Color RANDOM = new Color(0x7F7F7F);
    /** The error bars of bar charts (those of line charts take their series' colour). */
    static final Color ERROR_BARS = new Color(0x303030);
    private static final String FONT = Font.SANS_SERIF;

    private ChartStyle() {
    }

    static Color color(ModelKind kind) {
        switch (kind) {
            case GT_MODULAR: return new Color(0x0072B2);  // blue
            case MODULAR_OP: return new Color(0xE69F00);  // orange
            case MODULAR: return new Color(0x009E73);     // green
            case MONOLITHIC: return new Color(0xCC79A7);  // purple
            default: throw new IllegalArgumentException(kind.toString());
        }
    }

    static Color color(Remedy.Lever lever) {
        return switch (lever) {
            case LOAD_BALANCE -> new Color(0xD55E00);   // vermillion
            case ROUTER_Z_LOSS -> new Color(0x56B4E9);  // sky blue
            case MI_LOSS -> Color.BLACK;
            case ROUTER_TOP_K -> new Color(0x7F7F7F);   // grey: on panels of its own axis
        };
    }

    /** White panels, light grid, readable fonts, the legend below the plot (it never covers data). */
    static void apply(AxesChartStyler s) {
        s.setLocale(Locale.ROOT); // '.' decimals whatever the user's locale
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(true);
        s.setPlotBorderColor(new Color(0xB0B0B0));
        s.setPlotGridLinesColor(new Color(0xE3E3E3));
        s.setChartTitleBoxVisible(false);
        s.setChartTitleFont(new Font(FONT, Font.BOLD, 16));
        s.setAxisTitleFont(new Font(FONT, Font.PLAIN, 15));
        s.setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 13));
        s.setLegendFont(new Font(FONT, Font.PLAIN, 14));
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setChartPadding(12);
        s.setErrorBarsColorSeriesColor(true);
    }

    /** A tick-label pattern for an axis reaching up to top: about three significant digits, no trailing zeros. */
    static String decimalPattern(double top) {
        int decimals = top > 0 ? Math.max(0, Math.min(8, 2 - (int) Math.floor(Math.log10(top)))) : 2;
        return decimals == 0 ? "0" : "0." + "#".repeat(decimals);
    }

}
