package modarch.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import modarch.train.EvalRecord;
import modarch.train.Trainer;

/**
 * Training progress on stderr: iterations, it/s, ETA and the latest eval loss.
 * <ul>
 * <li>{@link Mode#TERMINAL}: one line redrawn in place (at most every 200 ms), never wider than the
 * terminal's columns minus one, so it cannot wrap; fields give way from the least useful when narrow.
 * <li>{@link Mode#PLAIN} (stderr is a log file, e.g. under Slurm): a plain line at most every 30 s.
 * <li>{@link Mode#OFF}: nothing ({@code --quiet}).
 * </ul>
 * The rate and ETA come from a moving window of the last 30 s of (time, iteration) samples taken
 * after the first step, so neither the JIT warm-up nor the run's start skews them for long; no ETA
 * is shown before the window spans 1 s.
 */
public final class ProgressBar implements Trainer.Listener {
    /** How progress is shown. */
    public enum Mode { OFF, TERMINAL, PLAIN }

    static final int DEFAULT_COLUMNS = 80;
    static final long REDRAW_NANOS = 200_000_000L;
    static final long PLAIN_EVERY_NANOS = 30_000_000_000L;
    static final long WINDOW_NANOS = 30_000_000_000L;
    static final long SAMPLE_NANOS = 250_000_000L;
    static final long MIN_SPAN_NANOS = 1_000_000_000L;
    private static final int MIN_BAR = 5;

    private final PrintStream err;
    private final Mode mode;
    private final int columns;
    private final LongSupplier clock;
    private final RateWindow window = new RateWindow();
    private long total;
    private long iteration;
    private boolean started;
    private boolean drawn;
    private long lastDraw;
    private long lastPlain;
    private int lastLength;
    private EvalRecord lastEval;

    /** {@code enabled}: a terminal bar as wide as {@link #terminalColumns()}; otherwise nothing. */
    ProgressBar(PrintStream err, boolean enabled) {
        this(err, enabled ? Mode.TERMINAL : Mode.OFF, terminalColumns());
    }

    ProgressBar(PrintStream err, Mode mode, int columns) {
        this(err, mode, columns, System::nanoTime);
    }

    /** {@code clock}: nanoseconds, for tests. */
    ProgressBar(PrintStream err, Mode mode, int columns, LongSupplier clock) {
        this.err = err;
        this.mode = mode;
        this.columns = Math.max(columns, 2);
        this.clock = clock;
    }

    /**
     * The bar for {@code train}: off with {@code --quiet}, a terminal bar when stderr is a terminal
     * (the launcher's {@code -Dmodarch.stderr.tty}), plain lines otherwise.
     */
    static ProgressBar forStderr(boolean quiet) {
        return new ProgressBar(System.err, mode(quiet, Boolean.getBoolean("modarch.stderr.tty")), terminalColumns());
    }

    static Mode mode(boolean quiet, boolean terminal) {
        return quiet ? Mode.OFF : terminal ? Mode.TERMINAL : Mode.PLAIN;
    }

    /**
     * The terminal's width: {@code -Dmodarch.columns} (the launcher measures stderr's terminal), else
     * the {@code COLUMNS} environment variable, else 80.
     */
    static int terminalColumns() {
        return columns(System.getProperty("modarch.columns"), System.getenv("COLUMNS"));
    }

    static int columns(String... candidates) {
        for (String candidate : candidates) {
            if (candidate == null) continue;
            try {
                int value = Integer.parseInt(candidate.trim());
                if (value > 0) return value;
            } catch (NumberFormatException e) {
                // not a width: try the next source
            }
        }
        return DEFAULT_COLUMNS;
    }

    /**
     * A loss (or any metric) in a compact general format: 4 significant digits, at most 10
     * characters: 0.01235, 1235, 1.235e+04, 4.500e+29, NaN, inf.
     */
    public static String formatLoss(double value) {
        if (Double.isNaN(value)) return "NaN";
        if (Double.isInfinite(value)) return value > 0 ? "inf" : "-inf";
        return String.format(Locale.ROOT, "%.4g", value);
    }

    @Override
    public void started(long fromIteration, long iterations) {
        total = iterations;
        iteration = fromIteration;
        started = true;
        lastPlain = clock.getAsLong();
    }

    @Override
    public void stepped(long iteration) {
        if (mode == Mode.OFF) return;
        long now = clock.getAsLong();
        this.iteration = iteration;
        window.sample(now, iteration);
        if (mode == Mode.TERMINAL) {
            if (!drawn || now - lastDraw >= REDRAW_NANOS || iteration >= total) draw(now);
        } else if (now - lastPlain >= PLAIN_EVERY_NANOS) {
            lastPlain = now;
            err.println(plainLine(now));
            err.flush();
        }
    }

    /** The evaluation of the last iteration arrives after its step: the bar is redrawn to show it. */
    @Override
    public void evaluated(EvalRecord record) {
        lastEval = record;
        if (mode == Mode.TERMINAL && started && drawn) draw(clock.getAsLong());
    }

    /** Ends the bar's line (when one was drawn). */
    void finish() {
        if (mode == Mode.TERMINAL && drawn) {
            err.println();
            err.flush();
        }
    }

    EvalRecord lastEval() {
        return lastEval;
    }

    /** Iterations per second over the window, or NaN before it spans MIN_SPAN_NANOS. */
    double rate(long now) {
        return window.rate(now, iteration);
    }

    private void draw(long now) {
        lastDraw = now;
        drawn = true;
        String line = fit(now, columns - 1);
        int pad = Math.max(lastLength - line.length(), 0);
        lastLength = line.length();
        err.print("\r" + line + " ".repeat(pad));
        err.flush();
    }

    /** The bar's text in at most {@code max} characters: fields give way in the order bar, rate, percent, eval, ETA. */
    String fit(long now, int max) {
        double rate = rate(now);
        List<String> fields = new ArrayList<>(List.of(
                iteration + "/" + total,
                String.format(Locale.ROOT, "%.1f%%", 100.0 * iteration / Math.max(total, 1)),
                Double.isNaN(rate) ? "" : formatRate(rate) + " it/s",
                "ETA " + eta(rate),
                lastEval == null ? "" : "eval " + formatLoss(lastEval.evalLoss())));
        int[] dropOrder = {2, 1, 4, 3};
        for (int dropped = 0; ; dropped++) {
            String text = String.join(" ", fields.stream().filter(f -> !f.isEmpty()).toList());
            int bar = max - text.length() - 3;
            if (dropped == 0 && bar >= MIN_BAR) {
                int filled = (int) (bar * (double) Math.min(iteration, total) / Math.max(total, 1));
                return "[" + "#".repeat(filled) + "-".repeat(bar - filled) + "] " + text;
            }
            if (text.length() <= max) return text;
            if (dropped == dropOrder.length) return text.substring(0, Math.max(max, 0));
            fields.set(dropOrder[dropped], "");
        }
    }

    private String plainLine(long now) {
        double rate = rate(now);
        return String.format(Locale.ROOT, "modarch: iteration %d/%d (%.1f%%), %s, ETA %s%s", iteration, total,
                100.0 * iteration / Math.max(total, 1), Double.isNaN(rate) ? "rate not known yet" : formatRate(rate) + " it/s",
                eta(rate), lastEval == null ? "" : ", eval loss " + formatLoss(lastEval.evalLoss())
                        + " (iteration " + lastEval.iteration() + ")");
    }

    static String formatRate(double rate) {
        return String.format(Locale.ROOT, rate >= 100 ? "%.0f" : rate >= 10 ? "%.1f" : "%.2f", rate);
    }

    /** The ETA as {@link #formatDuration}; "--:--" while the rate is not known. */
    private String eta(double rate) {
        if (iteration >= total) return "0:00:00";
        if (Double.isNaN(rate)) return "--:--";
        return formatDuration((total - iteration) / rate);
    }

    /** h:mm:ss, or days and hours from 100 hours on. */
    static String formatDuration(double seconds) {
        if (seconds >= 9999 * 86400.0) return ">9999d";
        long s = Math.round(seconds);
        if (s < 100 * 3600) return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        return String.format(Locale.ROOT, "%dd%02dh", s / 86400, s / 3600 % 24);
    }
}
