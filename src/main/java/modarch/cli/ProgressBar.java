package modarch.cli;

import java.io.PrintStream;
import modarch.train.EvalRecord;
import modarch.train.Trainer;

/** A one-line progress bar on stderr: iterations, it/s, ETA and the latest eval loss. */
final class ProgressBar implements Trainer.Listener {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 24;

    private final PrintStream err;
    private final boolean enabled;
    private long total;
    private long startIteration;
    private long startNanos;
    private long lastDraw;
    private EvalRecord lastEval;

    ProgressBar(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    @Override
    public void started(long fromIteration, long iterations) {
        total = iterations;
        startIteration = fromIteration;
        startNanos = System.nanoTime();
    }

    @Override
    public void stepped(long iteration) {
        if (!enabled) return;
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && iteration != total) return;
        lastDraw = now;
        double seconds = (now - startNanos) / 1e9;
        double rate = (iteration - startIteration) / Math.max(seconds, 1e-9);
        long eta = rate > 0 ? Math.round((total - iteration) / rate) : 0;
        int filled = (int) (WIDTH * iteration / Math.max(total, 1));
        String eval = lastEval == null ? "" : String.format(" eval %.4g", lastEval.evalLoss());
        err.printf("\r[%s%s] %d/%d %5.1f%% %.0f it/s ETA %02d:%02d:%02d%s ",
                "#".repeat(filled), "-".repeat(WIDTH - filled), iteration, total, 100.0 * iteration / total,
                rate, eta / 3600, eta / 60 % 60, eta % 60, eval);
        err.flush();
    }

    @Override
    public void evaluated(EvalRecord record) {
        lastEval = record;
    }

    void finish() {
        if (enabled) err.println();
    }

    EvalRecord lastEval() {
        return lastEval;
    }
}
