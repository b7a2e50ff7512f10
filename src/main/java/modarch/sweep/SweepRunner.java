package modarch.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import modarch.UserError;
import modarch.Futures;
import modarch.backend.Backend;
import modarch.backend.Backends;
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
 * Executes replica groups of a sweep into a results folder, on one worker per backend (one per device, or several
 * on one), which take the groups from one {@link GroupQueue}: each group locks its runs' directories, trains the
 * runs that are not trained yet side by side (resuming from their checkpoints), then measures each trained run
 * (metrics.json) and records its timings (sweep.json). Complete and diverged runs are left alone, so running a
 * sweep again does only what is missing. Several processes, on one machine or on a cluster's nodes, share one
 * folder: a group another process holds is put aside and tried again every {@link #POLL_SECONDS} s until that
 * process lets go; then it is left alone if the holder finished it, and resumed here if not (the holder died or
 * failed), so that no group is left unrun when {@link #run} returns. A group that fails is reported and the others
 * go on.
 */
public final class SweepRunner {
    public static final String SWEEP_JSON = "sweep.json";
    /** How often a group another process holds is tried again. */
    public static final int POLL_SECONDS = 2;

    /** What a sweep tells its display; called from the workers' threads. */
    public interface Events {
        /** The group's training starts; the returned listener hears its steps. */
        Trainer.Listener training(ReplicaGroup group, List<SweepRun> runs);

        void measured(SweepRun run, Map<String, Object> metrics);

        void diverged(SweepRun run, String message);

        /** Another process holds the group (said once per group): it is tried again until that process lets go. */
        void held(ReplicaGroup group, String holder);

        void failed(ReplicaGroup group, String message);
    }

    /** How the groups went: run here, finished by another process that held them, failed. */
    public record Outcome(int ran, int finishedElsewhere, int failed) {
    }

    /** What became of a group a worker took. */
    private enum Attempt { RAN, FINISHED_ELSEWHERE, HELD }

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

    /**
     * Runs the groups on one worker per choice (its backend; its device is recorded in sweep.json), each taking the
     * next group from one queue; returns once every group ran here, failed here, or was finished by its holder.
     */
    public Outcome run(List<ReplicaGroup> groups, List<Backends.Choice> workers, Events events) throws IOException {
        GroupQueue queue = new GroupQueue(groups, TimeUnit.SECONDS.toNanos(POLL_SECONDS));
        Map<Attempt, AtomicInteger> counts = new EnumMap<>(Attempt.class);
        for (Attempt a : Attempt.values()) counts.put(a, new AtomicInteger());
        AtomicInteger failed = new AtomicInteger();
        Set<ReplicaGroup> announced = ConcurrentHashMap.newKeySet(); // the held groups whose holder was said
        ExecutorService pool = Executors.newFixedThreadPool(workers.size(), r -> {
            Thread t = new Thread(r, "modarch-sweep-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (Backends.Choice worker : workers) {
                futures.add(pool.submit(() -> {
                    for (ReplicaGroup group = queue.take(); group != null; group = queue.take()) {
                        Attempt attempt = null;
                        try {
                            attempt = runGroup(group, worker, events, announced);
                            counts.get(attempt).incrementAndGet();
                        } catch (IOException | UserError fault) {
                            failed.incrementAndGet();
                            events.failed(group, fault instanceof IOException io ? IOFaults.describe(io) : fault.getMessage());
                        } finally {
                            if (attempt == Attempt.HELD) queue.heldElsewhere(group); else queue.finished();
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> future : futures) Futures.await(future, "a sweep worker");
        } finally {
            pool.shutdownNow();
        }
        return new Outcome(counts.get(Attempt.RAN).get(), counts.get(Attempt.FINISHED_ELSEWHERE).get(), failed.get());
    }

    /**
     * Trains and measures what the group still needs. HELD when another process holds one of its runs (its holder
     * said once, through announced, once this process let go of the group's runs again).
     */
    private Attempt runGroup(ReplicaGroup group, Backends.Choice worker, Events events, Set<ReplicaGroup> announced)
            throws IOException {
        String holder = null;
        try (HeldRuns held = HeldRuns.keeping()) {
            for (SweepRun run : group.runs()) {
                holder = held.lockUnlessHeld(run.dir(results));
                if (holder != null) break;
            }
            if (holder == null) return runHeld(group, worker, events);
        }
        if (announced.add(group)) events.held(group, holder);
        return Attempt.HELD;
    }

    /** runGroup once every run is locked; FINISHED_ELSEWHERE when every run is done already. */
    private Attempt runHeld(ReplicaGroup group, Backends.Choice worker, Events events) throws IOException {
        // what a killed writer left half-written (its temp files) goes, complete runs' included
        for (SweepRun run : group.runs()) run.dir(results).removeStaleTempFiles();
        // started runs resume together (from one checkpoint), new ones start together
        List<SweepRun> started = new ArrayList<>();
        List<SweepRun> fresh = new ArrayList<>();
        boolean allDone = true;
        for (SweepRun run : group.runs()) {
            RunState state = RunState.of(run, results);
            if (state != RunState.NEW) checkConfig(run);
            if (state == RunState.PARTIAL) started.add(run);
            if (state == RunState.NEW) fresh.add(run);
            allDone &= state.done();
        }
        if (allDone) return Attempt.FINISHED_ELSEWHERE; // the groups given were pending: another process did them
        if (!started.isEmpty()) train(group, started, worker, events);
        if (!fresh.isEmpty()) train(group, fresh, worker, events);
        for (SweepRun run : group.runs()) {
            if (RunState.of(run, results) == RunState.TRAINED) measure(run, worker.backend(), events);
        }
        return Attempt.RAN;
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

    private void train(ReplicaGroup group, List<SweepRun> runs, Backends.Choice worker, Events events) throws IOException {
        Backend backend = worker.backend();
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
                timing.put("device", worker.device());
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
