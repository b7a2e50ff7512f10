package modarch.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import modarch.backend.Backend;
import modarch.backend.cpu.ScalarBackend;
import modarch.metrics.Adaptation;
import modarch.model.Family;
import modarch.train.EvalCounts;
import modarch.train.RunDirectory;
import modarch.train.TrainConfig;
import modarch.train.Trainer;

/**
 * Estimates a sweep's time on this machine's backend from a short probe: per family, the cheapest and the
 * dearest group shape to be trained are timed for 2 s each (after 4 s of warm-up), and every group's time
 * per step is interpolated between them in its work per step (parameters x replicas x examples x length), as
 * t = a + b work. Evaluation is estimated from the forward passes it makes ({@link #evaluationSteps}). An estimate, not a promise: the sweep's progress shows the measured rate.
 */
public final class TimingProbe {
    private static final double WARMUP_SECONDS = 4.0;
    private static final double PROBE_SECONDS = 2.0;

    /** A probed shape: its work per step and its measured seconds per step. */
    private record Point(double work, double seconds) {
    }

    private final Backend backend;
    private final Map<Family, Point[]> fits = new LinkedHashMap<>();

    public TimingProbe(Backend backend) {
        this.backend = backend;
    }

    /** Seconds the groups still need, training and evaluation, from their runs' states (remaining iterations). */
    public double estimate(List<ReplicaGroup> groups, Map<SweepRun, Long> remainingIterations, EvalCounts counts) {
        double total = 0;
        for (ReplicaGroup group : groups) {
            long iterations = 0;
            int measured = 0;
            for (SweepRun run : group.runs()) {
                long left = remainingIterations.getOrDefault(run, 0L);
                iterations = Math.max(iterations, left);
                if (left >= 0) measured++;
            }
            double perStep = secondsPerStep(group);
            total += iterations * perStep;
            total += measured * evaluationSteps(group.shape(), counts) * perStep / group.runs().size();
        }
        return total;
    }

    /**
     * The training steps' worth of one run's evaluation: forward passes at a third of a step per example; the
     * routing passes (activation matrix, adaptation; routed kinds only) compute the scores alone, a third of that.
     */
    static double evaluationSteps(TrainConfig shape, EvalCounts counts) {
        int lengths = shape.newTask(shape.dataSeed()).evalLengths().length + 1;
        double batches = 2.0 * counts.performanceBatches() * lengths;
        if (shape.model().routed()) {
            batches += (counts.activationBatches() + (double) counts.adaptationBatches() * Adaptation.DRAWS) / 3;
        }
        return batches * counts.batchSize() / shape.batchSize() / 3.0;
    }

    /** Probes the cheapest and dearest shape of each family among the groups (before any estimate). */
    public void probe(List<ReplicaGroup> groups) {
        Map<Family, List<ReplicaGroup>> byFamily = new LinkedHashMap<>();
        for (ReplicaGroup g : groups) byFamily.computeIfAbsent(g.shape().task().family(), f -> new ArrayList<>()).add(g);
        for (Map.Entry<Family, List<ReplicaGroup>> e : byFamily.entrySet()) {
            List<ReplicaGroup> sorted = new ArrayList<>(e.getValue());
            sorted.sort(Comparator.comparingDouble(TimingProbe::work));
            ReplicaGroup cheap = sorted.get(0), dear = sorted.get(sorted.size() - 1);
            Point low = time(cheap);
            Point high = work(dear) == work(cheap) ? low : time(dear);
            fits.put(e.getKey(), new Point[] {low, high});
        }
    }

    private double secondsPerStep(ReplicaGroup group) {
        Point[] fit = fits.get(group.shape().task().family());
        if (fit == null) throw new IllegalStateException("no probe of the " + group.shape().task().family().name() + " family");
        double w = work(group);
        if (fit[1].work() == fit[0].work()) return fit[0].seconds() * w / fit[0].work();
        double slope = Math.max(0, (fit[1].seconds() - fit[0].seconds()) / (fit[1].work() - fit[0].work()));
        return Math.max(fit[0].seconds() * 0.5, fit[0].seconds() + slope * (w - fit[0].work()));
    }

    private Point time(ReplicaGroup group) {
        List<TrainConfig> configs = group.runs().stream().map(SweepRun::config).toList();
        List<RunDirectory> nowhere = configs.stream().map(c -> new RunDirectory(Path.of("unused"))).toList();
        try (Trainer trainer = new Trainer(configs, "probe", backend, nowhere, false)) {
            return new Point(work(group), trainer.secondsPerStep(WARMUP_SECONDS, PROBE_SECONDS));
        }
    }

    /** Work per step: parameters x replicas x examples x sequence length (a FLOP count up to a constant). */
    static double work(ReplicaGroup group) {
        TrainConfig shape = group.shape();
        return (double) parameters(shape) * group.runs().size() * shape.batchSize() * shape.options().trainLength();
    }

    private static long parameters(TrainConfig shape) {
        return PARAMETERS.computeIfAbsent(shape.withSeeds(0, 0), TimingProbe::countParameters);
    }

    private static final Map<TrainConfig, Long> PARAMETERS = new ConcurrentHashMap<>();

    /** Built on the scalar backend with one replica and one row: the count is the shape's whatever the backend. */
    private static long countParameters(TrainConfig shape) {
        try (var model = shape.task().newModel(COUNTING, 1, shape.modelSpec(), 1)) {
            return model.parameterCount();
        }
    }

    private static final Backend COUNTING = new ScalarBackend();
}
