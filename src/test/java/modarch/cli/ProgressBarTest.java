package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import modarch.train.EvalRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProgressBarTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final Pattern ETA = Pattern.compile("ETA (\\d+):(\\d\\d):(\\d\\d)");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private long now = 1_000 * S;

    private ProgressBar bar(ProgressBar.Mode mode, int columns) {
        return new ProgressBar(err, mode, columns, () -> now);
    }

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** What the terminal shows after each redraw: the text between carriage returns and newlines. */
    private List<String> frames() {
        return Arrays.stream(printed().split("[\r\n]")).filter(f -> !f.isEmpty()).toList();
    }

    private static EvalRecord eval(long iteration, double loss) {
        return new EvalRecord(iteration, loss, loss, loss, Double.NaN, Double.NaN);
    }

    private static long etaSeconds(String frame) {
        Matcher m = ETA.matcher(frame);
        if (!m.find()) return -1;
        return Long.parseLong(m.group(1)) * 3600 + Long.parseLong(m.group(2)) * 60 + Long.parseLong(m.group(3));
    }

    @Test
    void aWholeRunOf100kIterationsFits80Columns() {
        ProgressBar bar = bar(ProgressBar.Mode.TERMINAL, 80);
        bar.started(0, 100_000);
        for (long i = 1; i <= 100_000; i++) {
            now += i == 1 ? 3 * S : 7 * MS;
            bar.stepped(i);
            if (i % 5000 == 0) bar.evaluated(eval(i, i == 50_000 ? 4.5e29 : -1.234567e-7));
        }
        bar.finish();
        List<String> frames = frames();
        assertTrue(frames.size() > 100, "redrawn during the run: " + frames.size());
        for (String frame : frames) assertTrue(frame.length() <= 79, frame.length() + ": " + frame);
        assertTrue(printed().endsWith("\n"));
        assertTrue(frames.stream().anyMatch(f -> f.contains("eval 4.500e+29")), "compact loss");
    }

    @ParameterizedTest
    @CsvSource({"80, 100000", "80, 1000000000", "60, 1000000000", "40, 1000000000", "24, 1000000000", "10, 1000000000",
        "200, 1000000000", "80, 9223372036854775807"})
    void neverWiderThanTheTerminalMinusOne(int columns, long total) {
        ProgressBar bar = bar(ProgressBar.Mode.TERMINAL, columns);
        bar.started(0, total);
        bar.evaluated(eval(0, Double.NaN));
        long[] iterations = {1, 2, 3, 10, 999, 12_345, total / 3, total / 2, total - 1, total};
        for (long i : iterations) {
            now += 997 * MS * (i == total / 2 ? 1_000_000 : 1); // a stall: the ETA grows to days
            bar.stepped(i);
            bar.evaluated(eval(i, i % 2 == 0 ? -4.5e-300 : 4.5e29));
        }
        for (String frame : frames()) {
            assertTrue(frame.length() <= columns - 1, columns + " columns, " + frame.length() + ": " + frame);
        }
        String last = frames().get(frames().size() - 1);
        assertTrue(last.contains(total + "/" + total) || columns < 24, last);
        if (columns >= 200 || total == 100_000) assertTrue(last.startsWith("[#"), "the bar itself shows: " + last);
    }

    @Test
    void theFirstEtaLeavesTheJitWarmUpOut() {
        ProgressBar bar = bar(ProgressBar.Mode.TERMINAL, 100);
        bar.started(0, 100_000);
        now += 5 * S; // the first step: class loading and JIT
        bar.stepped(1);
        assertEquals(-1, etaSeconds(frames().get(0)), "no ETA from one sample: " + frames().get(0));
        long firstEta = -1;
        long trueRemaining = -1;
        for (long i = 2; i <= 100_000 && firstEta < 0; i++) {
            now += 10 * MS;
            bar.stepped(i);
            List<String> frames = frames();
            firstEta = etaSeconds(frames.get(frames.size() - 1));
            trueRemaining = (100_000 - i) / 100;
        }
        // the whole-run average would say about 5x too much here
        assertTrue(Math.abs(firstEta - trueRemaining) <= 0.1 * trueRemaining, firstEta + " s against " + trueRemaining);
    }

    @Test
    void theEtaFollowsTheRecentRate() {
        ProgressBar bar = bar(ProgressBar.Mode.TERMINAL, 100);
        bar.started(0, 1_000_000);
        long i = 0;
        for (; i < 10_000; i++) { // 100 s at 100 it/s
            now += 10 * MS;
            bar.stepped(i + 1);
        }
        for (; i < 110_000; i++) { // 100 s at 1000 it/s: 10x faster
            now += MS;
            bar.stepped(i + 1);
        }
        List<String> frames = frames();
        String last = frames.get(frames.size() - 1);
        long eta = etaSeconds(last);
        // 890k iterations to go at 1000 it/s; the whole run's average (550 it/s) would say 1618 s
        assertEquals(890, eta, 890 * 0.02, last);
        assertTrue(last.contains(" 1000 it/s"), last);
    }

    @Test
    void theFinalBarShowsTheLastEvaluation() {
        ProgressBar bar = bar(ProgressBar.Mode.TERMINAL, 80);
        bar.started(0, 10);
        for (long i = 1; i <= 10; i++) {
            now += 100 * MS;
            bar.stepped(i);
            if (i % 5 == 0) bar.evaluated(eval(i, i == 5 ? 0.5 : 0.012345));
        }
        bar.finish();
        List<String> frames = frames();
        String last = frames.get(frames.size() - 1);
        assertTrue(last.contains("10/10") && last.contains("eval 0.01235"), last);
        assertTrue(printed().endsWith(last + "\n"), "the line is ended");
        assertEquals(0.012345, bar.lastEval().evalLoss());
    }

    @Test
    void withoutATerminalAPlainLineAtMostEvery30Seconds() {
        ProgressBar bar = bar(ProgressBar.Mode.PLAIN, 80);
        bar.started(0, 100_000);
        for (long i = 1; i <= 10_000; i++) { // 100 s at 100 it/s
            now += 10 * MS;
            bar.stepped(i);
            if (i == 2500) bar.evaluated(eval(i, 4.5e29));
            if (i == 2900) assertEquals("", printed(), "nothing before 30 s");
        }
        bar.finish();
        String[] lines = printed().split("\n");
        assertEquals(3, lines.length, printed()); // at 30, 60 and 90 s
        assertFalse(printed().contains("\r"));
        assertEquals("modarch: iteration 3000/100000 (3.0%), 100 it/s, ETA 0:16:10, eval loss 4.500e+29 (iteration 2500)",
                lines[0]);
        assertTrue(lines[2].startsWith("modarch: iteration 9000/100000 (9.0%), 100 it/s, ETA 0:15:10"), lines[2]);
    }

    @Test
    void offAndTheOldConstructorWithoutTerminalPrintNothing() {
        ProgressBar off = bar(ProgressBar.Mode.OFF, 80);
        ProgressBar old = new ProgressBar(err, false);
        for (ProgressBar bar : List.of(off, old)) {
            bar.started(0, 10);
            for (long i = 1; i <= 10; i++) {
                now += 40 * S;
                bar.stepped(i);
            }
            bar.evaluated(eval(10, 1.0));
            bar.finish();
            assertEquals(1.0, bar.lastEval().evalLoss());
        }
        assertEquals("", printed());
    }

    @Test
    void aResumedFinishedRunDrawsNothing() {
        ProgressBar bar = bar(ProgressBar.Mode.TERMINAL, 80);
        bar.evaluated(eval(10, 1.0)); // the resumed run's last evaluation arrives before started()
        bar.started(10, 10);
        bar.finish();
        assertEquals("", printed());
        assertEquals(10, bar.lastEval().iteration());
    }

    @Test
    void modes() {
        assertEquals(ProgressBar.Mode.OFF, ProgressBar.mode(true, true));
        assertEquals(ProgressBar.Mode.OFF, ProgressBar.mode(true, false));
        assertEquals(ProgressBar.Mode.TERMINAL, ProgressBar.mode(false, true));
        assertEquals(ProgressBar.Mode.PLAIN, ProgressBar.mode(false, false));
    }

    @Test
    void columnsFromThePropertyThenTheEnvironmentElse80() {
        assertEquals(120, ProgressBar.columns("120", "90"));
        assertEquals(90, ProgressBar.columns(null, "90"));
        assertEquals(90, ProgressBar.columns("", " 90 "));
        assertEquals(80, ProgressBar.columns("0", "wide"));
        assertEquals(80, ProgressBar.columns(null, null));
        assertEquals(80, ProgressBar.columns("-5", null));
    }

    @ParameterizedTest
    @CsvSource({
        "4.5e29, 4.500e+29",
        "0.012345, 0.01235",
        "1234.5, 1235",
        "12345.6, 1.235e+04",
        "1e-5, 1.000e-05",
        "0.5, 0.5000",
        "0, 0.000",
        "-2.5e-7, -2.500e-07",
        "-1.7976931348623157e308, -1.798e+308",
        "NaN, NaN",
        "Infinity, inf",
        "-Infinity, -inf",
    })
    void lossesInACompactGeneralFormat(double value, String expected) {
        assertEquals(expected, ProgressBar.formatLoss(value));
        assertTrue(ProgressBar.formatLoss(value).length() <= 11);
    }
}
