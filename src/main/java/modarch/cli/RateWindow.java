package modarch.cli;

import java.util.ArrayDeque;

/**
 * A rate over a moving window: (time, count) samples taken at most every {@link ProgressBar#SAMPLE_NANOS}, oldest
 * first, spanning about the last {@link ProgressBar#WINDOW_NANOS}; no rate before the window spans
 * {@link ProgressBar#MIN_SPAN_NANOS}, so neither the JIT warm-up nor a start skews it for long.
 */
final class RateWindow {
    private final ArrayDeque<long[]> samples = new ArrayDeque<>(); // (nanos, count)

    void sample(long now, long count) {
        long[] newest = samples.peekLast();
        if (newest == null || now - newest[0] >= ProgressBar.SAMPLE_NANOS) samples.addLast(new long[] {now, count});
        while (samples.size() > 2 && samples.peekFirst()[0] < now - ProgressBar.WINDOW_NANOS) samples.removeFirst();
    }

    /** Counts per second from the window's oldest sample to (now, count), or NaN before it spans the minimum. */
    double rate(long now, long count) {
        long[] oldest = samples.peekFirst();
        if (oldest == null || now - oldest[0] < ProgressBar.MIN_SPAN_NANOS || count <= oldest[1]) return Double.NaN;
        return (count - oldest[1]) * 1e9 / (now - oldest[0]);
    }
}
