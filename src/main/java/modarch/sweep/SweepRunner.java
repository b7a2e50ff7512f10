package modarch.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import modarch.UserError;
import modarch.Futures;
import modarch.backend.Backend;
import modarch.io.IOFaults;
import modarch.io.Json;
import modarch.train.EvalRecord;
import modarch.train.HeldRuns;
import modarch.train.ReplicaShards;
import modarch.train.TensorBoardLog;
import modarch.train.Resumption;
import modarch.train.RunDirectory;
import modarch.train.RunMeasurement;
import modarch.train.TrainConfig;
import modarch.train.Trainer;

/**
 * Executes replica groups of a sweep into a results folder: each group locks its runs' directories (so that
 * several processes, on one machine or on a cluster's nodes, share one folder: a group another process holds is
 * skipped), trains the runs that are not trained yet side by side (resuming from their checkpoints), then
 * measures each trained run (metrics.json) and records its timings (sweep.json). Complete and diverged runs are
 * left alone, so running a sweep again does only what is missing. A group that fails is reported and the others go on.
 */
public final class SweepRunner {
    public static final String SWEEP_JSON = "sweep.json";

    /** What a sweep tells its display; called from the workers' threads. */
    public interface Events {
        /** The group's training starts; the returned listener hears its steps. */
        Trainer.Listener training(ReplicaGroup group, List<SweepRun> runs);

        void measured(SweepRun run, Map<String, Object> metrics);

        void diverged(SweepRun run, String message);

        /** Another process holds the group: it is skipped here. */
        void skipped(ReplicaGroup group, String holder);

        void failed(ReplicaGroup group, String message);
    }

    /** How the groups went: done here, held by others, failed. */
    public record Outcome(int ran, int skipped, int failed) {
    }

    private final Sweep sweep;
    private final Path results;
    private final String device;
    private final Consumer<String> notes;

    /** device is the --device choice as given, recorded in config.json; notes hears eval's one-line notes. */
    public SweepRunner(Sweep sweep, Path results, String device, Consumer<String> notes) {
        this.sweep = sweep;
        this.results = results;
        this.device = device;
        this.notes = notes;
    }

    /** Runs the groups on one worker per backend, each taking the next group not yet taken. */
    public Outcome run(List<ReplicaGroup> groups, List<Backend> backends, Events events) throws IOException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(backends.size(), r -> {
            Thread t = new Thread(r, "modarch-sweep-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (Backend backend : backends) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < groups.size(); i = next.getAndIncrement()) {
                        ReplicaGroup group = groups.get(i);
                        try {
                            if (runGroup(group, backend, events)) ran.incrementAndGet(); else skipped.incrementAndGet();
                        } catch (IOException | UserError fault) {
                            failed.incrementAndGet();
                            events.failed(group, fault instanceof IOException io ? IOFaults.describe(io) : fault.getMessage());
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> worker : workers) Futures.await(worker, "a sweep worker");
        } finally {
            pool.shutdownNow();
        }
        return new Outcome(ran.get(), skipped.get(), failed.get());
    }

    /** Trains and measures what the group still needs; false when another process holds one of its runs. */
    boolean runGroup(ReplicaGroup group, Backend backend, Events events) throws IOException {
        try (HeldRuns held = HeldRuns.keeping()) {
            for (SweepRun run : group.runs()) {
                String holder = held.lockUnlessHeld(run.dir(results));
                if (holder != null) {
                    events.skipped(group, holder);
                    return false;
                }
            }
            // held now: what a killed writer left half-written (its temp files) goes, complete runs' included
            for (SweepRun run : group.runs()) run.dir(results).removeStaleTempFiles();
            // started runs resume together (from one checkpoint), new ones start together
            List<SweepRun> started = new ArrayList<>();
            List<SweepRun> fresh = new ArrayList<>();
            for (SweepRun run : group.runs()) {
                RunState state = RunState.of(run, results);
                if (state != RunState.NEW) checkConfig(run);
                if (state == RunState.PARTIAL) started.add(run);
                if (state == RunState.NEW) fresh.add(run);
            }
            if (!started.isEmpty()) train(group, started, backend, events);
            if (!fresh.isEmpty()) train(group, fresh, backend, events);
            for (SweepRun run : group.runs()) {
                if (RunState.of(run, results) == RunState.TRAINED) measure(run, backend, events);
            }
            return true;
        }
    }

    /** A run directory already there must hold this run's options (its name carries their hash). */
    private void checkConfig(SweepRun run) throws IOException {
        RunDirectory dir = run.dir(results);
        if (!Files.exists(dir.file(RunDirectory.CONFIG))) return;
        TrainConfig stored = Resumption.stored(dir, "; move the run away and the sweep trains it anew");
        if (!stored.equals(run.config())) {
            throw new UserError(dir.file(RunDirectory.CONFIG) + " holds other options than run " + run.id()
                    + " of the sweep (it was edited); move the run away and the sweep trains it anew");
        }
    }

    private void train(ReplicaGroup group, List<SweepRun> runs, Backend backend, Events events) throws IOException {
        List<TrainConfig> configs = runs.stream().map(SweepRun::config).toList();
        List<RunDirectory> dirs = runs.stream().map(r -> r.dir(results)).toList();
        Trainer.Listener listener = events.training(group, runs);
        long[] from = {0};
        Trainer.Listener timed = new Trainer.Listener() {
            @Override
            public void started(long fromIteration, long iterations) {
                from[0] = fromIteration;
                listener.started(fromIteration, iterations);
            }

            @Override
            public void stepped(long iteration) {
                listener.stepped(iteration);
            }

            @Override
            public void evaluated(EvalRecord record) {
                listener.evaluated(record);
            }
        };
        long start = System.nanoTime();
        try (ReplicaShards trainer = new ReplicaShards(configs, device, backend, dirs, sweep.tensorboard())) {
            trainer.run(true, timed);
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Path> diverged = trainer.divergences().stream().map(Trainer.Divergence::run).toList();
            for (int r = 0; r < runs.size(); r++) {
                int d = diverged.indexOf(dirs.get(r).root());
                if (d >= 0) events.diverged(runs.get(r), trainer.divergences().get(d).message());
                Map<String, Object> timing = new LinkedHashMap<>();
                timing.put("sweep", sweep.name());
                timing.put("run_id", runs.get(r).id());
                timing.put("group", group.index());
                timing.put("replicas", runs.size());
                timing.put("backend", backend.name());
                timing.put("trained_from", from[0]);
                timing.put("train_seconds", seconds);
                writeSweepJson(dirs.get(r), timing);
            }
        }
    }

    private void measure(SweepRun run, Backend backend, Events events) throws IOException {
        RunDirectory dir = run.dir(results);
        Map<String, Object> metrics = RunMeasurement.measure(dir, "last", sweep.counts(), false, backend, notes, () -> { },
                true);
        if (sweep.tensorboard()) TensorBoardLog.writeMetrics(dir.root(), metrics); // before the run counts as measured
        dir.writeJson(RunDirectory.METRICS, metrics);
        writeSweepJson(dir, Map.of("eval_seconds", metrics.get("seconds")));
        events.measured(run, metrics);
    }

    /** Adds entries to the run's sweep.json (written whole, atomically). */
    private static void writeSweepJson(RunDirectory dir, Map<String, Object> entries) throws IOException {
        Map<String, Object> content = new LinkedHashMap<>();
        Path file = dir.file(SWEEP_JSON);
        if (Files.isRegularFile(file)) {
            try {
                content.putAll(Json.MAPPER.readValue(file.toFile(), Json.MAPPER.getTypeFactory()
                        .constructMapType(LinkedHashMap.class, String.class, Object.class)));
            } catch (IOException unreadable) {
                // rewritten whole below: it only holds timings
            }
        }
        content.putAll(entries);
        dir.writeJson(SWEEP_JSON, content);
    }
}
