package modarch.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import modarch.sweep.ReplicaGroup;
import modarch.sweep.SweepRun;
import modarch.sweep.SweepRunner;
import modarch.train.Trainer;

/**
 * A sweep's progress on stderr: runs done of all, training steps per second (a step of each run of a group
 * counts once per run), the ETA and what each worker trains; a line redrawn in place on a terminal, a plain line
 * every 30 s otherwise (Slurm logs), nothing with --quiet. Every run measured, diverged or failed, and every group
 * held elsewhere, gets a line of its own. The ETA is the remaining training steps at the recent rate plus the runs still to measure at
 * the mean evaluation time seen so far. Called from the workers' threads.
 */
final class SweepProgress implements SweepRunner.Events {
    private final PrintStream err;
    private final ProgressBar.Mode mode;
    private final int totalRuns;
    private int doneRuns;
    private long stepsLeft;
    private int runsToMeasure;
    private double evalSeconds;
    private int measured;
    private final RateWindow window = new RateWindow(); // of the steps done
    private long stepsDone;
    private final Map<ReplicaGroup, String> training = new LinkedHashMap<>();
    private long lastDraw;
    private int lastLength;

    /** doneRuns: complete or diverged already; stepsLeft: training steps of all runs still to train; runsToMeasure: runs not complete. */
    SweepProgress(PrintStream err, ProgressBar.Mode mode, int totalRuns, int doneRuns, long stepsLeft, int runsToMeasure) {
        this.err = err;
        this.mode = mode;
        this.totalRuns = totalRuns;
        this.doneRuns = doneRuns;
        this.stepsLeft = stepsLeft;
        this.runsToMeasure = runsToMeasure;
    }

    @Override
    public Trainer.Listener training(ReplicaGroup group, List<SweepRun> runs) {
        int width = runs.size();
        return new Trainer.Listener() {
            private long total;

            @Override
            public void started(long fromIteration, long iterations) {
                total = iterations;
                synchronized (SweepProgress.this) {
                    training.put(group, "");
                }
            }

            @Override
            public void stepped(long iteration) {
                synchronized (SweepProgress.this) {
                    stepsDone += width;
                    stepsLeft -= width;
                    training.put(group, group.describe() + " it " + iteration + "/" + total);
                    tick();
                }
            }
        };
    }

    @Override
    public synchronized void measured(SweepRun run, Map<String, Object> metrics) {
        doneRuns++;
        runsToMeasure--;
        measured++;
        evalSeconds += ((Number) metrics.get("seconds")).doubleValue();
        training.keySet().removeIf(g -> g.runs().contains(run));
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "done %d/%d %s: loss %s, OoD %s", doneRuns,
                totalRuns, run.config().task().cliName() + "/" + run.name(), ProgressBar.formatLoss(number(metrics, "loss")),
                ProgressBar.formatLoss(number(metrics, "ood_loss"))));
        if (metrics.containsKey("collapse_avg")) {
            line.append(", collapse_avg ").append(ProgressBar.formatLoss(number(metrics, "collapse_avg")))
                    .append(", alignment ").append(ProgressBar.formatLoss(number(metrics, "alignment")));
        }
        event(line.toString());
    }

    @Override
    public synchronized void diverged(SweepRun run, String message) {
        doneRuns++;
        runsToMeasure--;
        event("modarch: " + message);
    }

    @Override
    public synchronized void held(ReplicaGroup group, String holder) {
        event("group " + group.index() + " (" + group.describe() + ") is held elsewhere: " + holder + "; this process"
                + " takes it up if it is left unfinished");
    }

    @Override
    public synchronized void failed(ReplicaGroup group, String message) {
        training.remove(group);
        event("modarch: error: group " + group.index() + " (" + group.describe() + ") failed: " + message);
    }

    /** Ends the progress line (when one was drawn). */
    synchronized void finish() {
        if (mode == ProgressBar.Mode.TERMINAL && lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
            err.flush();
        }
    }

    private static double number(Map<String, Object> metrics, String key) {
        Object value = metrics.get(key);
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private void event(String line) {
        if (mode == ProgressBar.Mode.TERMINAL && lastLength > 0) err.print("\r" + " ".repeat(lastLength) + "\r");
        lastLength = 0;
        err.println(line);
        err.flush();
    }

    private void tick() {
        if (mode == ProgressBar.Mode.OFF) return;
        long now = System.nanoTime();
        window.sample(now, stepsDone);
        long every = mode == ProgressBar.Mode.TERMINAL ? ProgressBar.REDRAW_NANOS : ProgressBar.PLAIN_EVERY_NANOS;
        if (lastDraw != 0 && now - lastDraw < every) return;
        lastDraw = now;
        String line = line(now);
        if (mode == ProgressBar.Mode.PLAIN) {
            err.println("modarch: " + line);
        } else {
            int columns = ProgressBar.terminalColumns() - 1;
            if (line.length() > columns) line = line.substring(0, columns);
            err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
        }
        err.flush();
    }

    /** "sweep 12/32 runs, 3100 steps/s, ETA 0:04:12 | mlp-regression modular r8 32x128 (4 runs) it 3400/10000". */
    String line(long now) {
        double rate = window.rate(now, stepsDone);
        String eta = "--:--";
        if (!Double.isNaN(rate)) {
            double evalEach = measured == 0 ? 0 : evalSeconds / measured;
            eta = ProgressBar.formatDuration(Math.max(0, stepsLeft) / rate + runsToMeasure * evalEach);
        }
        return "sweep " + doneRuns + "/" + totalRuns + " runs, " + (Double.isNaN(rate) ? "-" : ProgressBar.formatRate(rate))
                + " steps/s, ETA " + eta + " | " + String.join(" | ", training.values());
    }
}
