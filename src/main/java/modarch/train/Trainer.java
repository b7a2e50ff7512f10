package modarch.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import modarch.Version;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.io.CorruptFileException;
import modarch.model.Model;
import modarch.nn.Param;
import modarch.task.DataStream;
import modarch.task.Task;

/**
 * The reference's training recipe for a group of replicas: runs of one shape that differ only in their seeds,
 * trained side by side in one model (one pass per step for all), each writing its own run directory. Adam, one
 * fresh batch per step, evaluation on 10 fresh batches (in distribution and OoD, at every evaluation length of a
 * sequence task) at iteration 0 and every evalEvery iterations (and at the last), a checkpoint at every evaluation. Each replica gives the same bits as
 * the single run with its seeds.
 */
public final class Trainer implements AutoCloseable {
    /** Evaluation batches, as the reference's eval_step(n_evals=10). */
    public static final int EVAL_BATCHES = 10;
    /**
     * Steps between two looks at the training losses for divergence: one download of rep floats, the only read
     * between evaluations (measured as no change in steps/s).
     */
    static final int DIVERGENCE_CHECK_EVERY = 100;

    /** Hears about progress; nothing in the trainer prints. */
    public interface Listener {
        default void started(long fromIteration, long iterations) {
        }

        default void stepped(long iteration) {
        }

        /** An evaluation of the first replica (every replica's is in {@link Trainer#lastRecords()}). */
        default void evaluated(EvalRecord record) {
        }

        /** A replica diverged: it trains no further and its files keep its last good checkpoint. */
        default void diverged(Divergence divergence) {
        }
    }

    /** Why and when a replica stopped: a non-finite loss or parameter; lastGood is its last checkpoint's iteration. */
    public record Divergence(Path run, long iteration, String reason, long lastGood) {
        public String message() {
            return "run " + run + " diverged at iteration " + iteration + " (" + reason + "); its files keep the last"
                    + " good checkpoint, iteration " + lastGood + "; try a lower --lr";
        }
    }

    private final List<TrainConfig> configs;
    private final TrainConfig shape;
    private final String device;
    private final Backend backend;
    private final List<RunDirectory> dirs;
    private final Model model;
    private final Adam adam;
    private final TrainStep step;
    private final Evaluator evaluator;
    private final int length;
    private final int[] evalLengths; // the task's evaluation lengths and the training length, increasing
    private final List<List<String>> logLines = new ArrayList<>();
    private final double[] bestScore;
    private final EvalRecord[] lastRecords;
    private final Divergence[] divergences;
    private final boolean tensorboard;
    private final List<TensorBoardLog> events = new ArrayList<>(); // replica r's event file while run() runs
    private long iteration;

    /**
     * configs (one per replica, of one shape) and dirs (their run directories) are paired; device is the
     * --device choice as given (auto, cpu), recorded in config.json beside the backend; tensorboard: whether each run
     * also writes its TensorBoard event file ({@link TensorBoardLog}).
     */
    public Trainer(List<TrainConfig> configs, String device, Backend backend, List<RunDirectory> dirs,
                   boolean tensorboard) {
        this.configs = List.copyOf(configs);
        this.shape = configs.get(0);
        for (TrainConfig c : configs) {
            if (!c.sameShape(shape)) throw new IllegalArgumentException("replicas differ beyond their seeds: " + c);
        }
        this.device = device;
        this.backend = backend;
        this.dirs = List.copyOf(dirs);
        this.tensorboard = tensorboard;
        int rep = configs.size();
        Task[] tasks = new Task[rep];
        long[] seeds = new long[rep];
        for (int r = 0; r < rep; r++) {
            tasks[r] = shape.newTask(configs.get(r).dataSeed());
            seeds[r] = configs.get(r).seed();
            logLines.add(new ArrayList<>());
        }
        this.length = tasks[0].trainLength();
        this.evalLengths = evaluationLengths(tasks[0]);
        int maxLength = Math.max(length, evalLengths[evalLengths.length - 1]);
        this.model = shape.task().newModel(backend, rep, shape.modelSpec(), shape.batchSize() * maxLength);
        Loss loss = Loss.forTask(shape.task().classification());
        this.adam = new Adam(backend, model.arena(), shape.lr());
        this.step = new TrainStep(backend, model, tasks, seeds, loss, adam, shape.batchSize(), length,
                shape.task().family().maxGradNorm());
        this.evaluator = new Evaluator(backend, model, tasks, seeds, loss, shape.batchSize(), maxLength);
        this.bestScore = new double[rep];
        this.lastRecords = new EvalRecord[rep];
        this.divergences = new Divergence[rep];
        Arrays.fill(bestScore, Double.NEGATIVE_INFINITY);
    }

    public Model model() {
        return model;
    }

    /** The replicas that diverged, in replica order (empty when none). */
    public List<Divergence> divergences() {
        return Arrays.stream(divergences).filter(java.util.Objects::nonNull).toList();
    }

    /** The latest evaluation of every replica. */
    public List<EvalRecord> lastRecords() {
        return List.of(lastRecords);
    }

    /** The keys config.json holds besides the options. */
    public static final List<String> CONFIG_EXTRA_KEYS = List.of("device", "engine_version", "backend", "parameters");

    /** config.json content of replica r: every option, the engine version, backend and parameter count. */
    public Map<String, Object> configJson(int r) {
        Map<String, Object> json = new LinkedHashMap<>(configs.get(r).toMap());
        json.put("device", device);
        json.put("engine_version", Version.ENGINE);
        json.put("backend", backend.name());
        json.put("parameters", model.parameterCount());
        return json;
    }

    /** Trains from scratch, or from the last checkpoint when resume is set, to the configured iterations. */
    public void run(boolean resume, Listener listener) throws IOException {
        try {
            train(resume, listener);
        } finally {
            closeEvents();
        }
    }

    private void train(boolean resume, Listener listener) throws IOException {
        if (resume) {
            for (RunDirectory dir : dirs) dir.removeStaleTempFiles();
        }
        boolean resumed = resume && restore();
        openEvents(resumed ? iteration : -1);
        if (resumed) {
            for (int r = 0; r < lastRecords.length; r++) {
                List<String> lines = logLines.get(r);
                lastRecords[r] = EvalRecord.fromJson(lines.get(lines.size() - 1));
            }
            listener.evaluated(lastRecords[0]);
        } else {
            start(listener);
        }
        listener.started(iteration, shape.iterations());
        while (iteration < shape.iterations() && divergences().size() < dirs.size()) {
            iteration++;
            step.run(iteration);
            listener.stepped(iteration);
            if (iteration % shape.evalEvery() == 0 || iteration == shape.iterations()) {
                float[] losses = trainLosses();
                float[] terms = regularizerTerms(); // the step's, before the evaluation's forwards replace them
                checkpoint(evaluate(losses), terms, listener);
            } else if (iteration % DIVERGENCE_CHECK_EVERY == 0) {
                float[] losses = trainLosses();
                for (int r = 0; r < losses.length; r++) {
                    if (!Float.isFinite(losses[r])) diverge(r, "train_loss " + losses[r], listener);
                }
            }
        }
    }

    /** Opens every run's event file, marking a restart after resumedFrom (-1 for a fresh run). */
    private void openEvents(long resumedFrom) throws IOException {
        for (int r = 0; tensorboard && r < dirs.size(); r++) {
            events.add(TensorBoardLog.open(dirs.get(r).root(), configJson(r), resumedFrom));
        }
    }

    private void closeEvents() throws IOException {
        IOException first = null;
        for (TensorBoardLog log : events) {
            try {
                log.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        events.clear();
        if (first != null) throw first;
    }

    /**
     * A timing probe: trains from a fresh initialisation for warmupSeconds (at least 5 steps; the JIT compiles the
     * CPU backend's vector code meanwhile), then for at least seconds more, writing nothing; returns the mean
     * seconds per step (of all replicas) after the warm-up.
     */
    public double secondsPerStep(double warmupSeconds, double seconds) {
        for (int r = 0; r < dirs.size(); r++) model.init(r, configs.get(r).seed());
        int step = 0;
        long warm = System.nanoTime();
        do {
            this.step.run(++step);
            trainLosses(); // waits for the device
        } while (step < 5 || System.nanoTime() - warm < warmupSeconds * 1e9);
        long start = System.nanoTime();
        long steps = 0;
        double elapsed;
        do {
            this.step.run(step + ++steps);
            trainLosses();
            elapsed = (System.nanoTime() - start) / 1e9;
        } while (elapsed < seconds);
        return elapsed / steps;
    }

    /** Marks replica r as diverged (once) and records the event in its log.jsonl, after its last good lines. */
    private void diverge(int r, String reason, Listener listener) throws IOException {
        if (divergences[r] != null) return;
        List<String> lines = logLines.get(r);
        long lastGood = lastRecords[r] == null ? -1 : lastRecords[r].iteration();
        divergences[r] = new Divergence(dirs.get(r).root(), iteration, reason, lastGood);
        // before the log says so: a run the log calls diverged is not trained again, so its event file ends here
        if (tensorboard) events.get(r).finished(false);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("iteration", iteration);
        event.put("event", "diverged");
        event.put("reason", reason);
        List<String> withEvent = new ArrayList<>(lines);
        withEvent.add(RunDirectory.jsonLine(event));
        dirs.get(r).writeLog(withEvent);
        listener.diverged(divergences[r]);
    }

    /** The name and index of the first non-finite value of a replica block, or null when all are finite. */
    private String nonFiniteParameter(float[] block) {
        for (Param p : model.params()) {
            for (int i = 0; i < p.size(); i++) {
                float v = block[p.start() + i];
                if (!Float.isFinite(v)) return "parameter " + p.name() + "[" + i + "] = " + v;
            }
        }
        return null;
    }

    private void start(Listener listener) throws IOException {
        for (int r = 0; r < dirs.size(); r++) {
            dirs.get(r).writeJson(RunDirectory.CONFIG, configJson(r));
            model.init(r, configs.get(r).seed());
        }
        iteration = 0;
        EvalRecord[] first = evaluate(null);
        for (int r = 0; r < first.length; r++) {
            // the reference logs the eval loss as the train loss at iteration 0
            first[r] = first[r].withTrainLoss(first[r].evalLoss());
        }
        checkpoint(first, null, listener);
    }

    /**
     * Loads every replica's latest state. Replicas whose group checkpoint was interrupted half-way are one
     * checkpoint ahead of the others: they go back to their previous state, so all continue from one iteration.
     * Returns false when no replica is past iteration 0 (then the group starts anew).
     */
    private boolean restore() throws IOException {
        int rep = dirs.size();
        TrainingState.Snapshot[] states = new TrainingState.Snapshot[rep];
        long resumeAt = Long.MAX_VALUE;
        long furthest = 0;
        int missing = -1;
        for (int r = 0; r < rep; r++) {
            states[r] = latest(dirs.get(r));
            if (states[r] == null) {
                missing = r;
                continue;
            }
            resumeAt = Math.min(resumeAt, states[r].progress().iteration());
            furthest = Math.max(furthest, states[r].progress().iteration());
        }
        if (missing >= 0) {
            // killed inside the first checkpoint: nothing past iteration 0 is lost by starting anew
            if (furthest == 0) return false;
            throw new CorruptFileException(dirs.get(missing).file(RunDirectory.TRAINING_STATE), "missing while other"
                    + " replicas of the group are at iteration " + furthest + "; resume the replicas one by one");
        }
        for (int r = 0; r < rep; r++) {
            if (states[r].progress().iteration() == resumeAt) continue;
            Path previous = dirs.get(r).file(TrainingState.PREVIOUS);
            states[r] = Files.exists(previous) ? load(previous) : null;
            if (states[r] == null || states[r].progress().iteration() != resumeAt) {
                throw new CorruptFileException(dirs.get(r).file(RunDirectory.TRAINING_STATE), "not at iteration "
                        + resumeAt + " like the other replicas of the group; resume the replicas one by one");
            }
        }
        for (int r = 0; r < rep; r++) {
            TrainingState.Snapshot s = states[r];
            model.arena().upload(s.values(), model.arena().data(), r);
            model.arena().upload(s.firstMoment(), model.arena().firstMoment(), r);
            model.arena().upload(s.secondMoment(), model.arena().secondMoment(), r);
            bestScore[r] = s.progress().bestScore();
            logLines.get(r).clear();
            logLines.get(r).addAll(s.progress().logLines());
            dirs.get(r).writeLog(logLines.get(r));
        }
        adam.setStepCount(states[0].progress().adamStep());
        iteration = resumeAt;
        return true;
    }

    /** The replica's current state, or its previous one when a kill came between the two renames; null when none. */
    private TrainingState.Snapshot latest(RunDirectory dir) throws IOException {
        Path current = dir.file(RunDirectory.TRAINING_STATE);
        if (Files.exists(current)) return load(current);
        Path previous = dir.file(TrainingState.PREVIOUS);
        return Files.exists(previous) ? load(previous) : null;
    }

    private TrainingState.Snapshot load(Path file) throws IOException {
        return TrainingState.load(file, model.params(), model.arena().replicaStride());
    }

    /** The routing regularisers' terms of the last forward, (rep, 3), or null when the routing is not regularised. */
    private float[] regularizerTerms() {
        FloatBuf terms = model.regularizerTerms();
        if (terms == null) return null;
        float[] out = new float[3 * model.rep()];
        backend.download(terms, 0, out, 0, out.length);
        return out;
    }

    /** The log.jsonl keys of the regularisers' terms (unweighted; the loss adds -mi_loss x routing_mi). */
    static final List<String> TERM_KEYS = List.of("load_balance_loss", "router_z_loss", "routing_mi");

    private float[] trainLosses() {
        float[] out = new float[model.rep()];
        backend.download(step.loss(), 0, out, 0, out.length);
        return out;
    }

    /** The lengths every evaluation covers: the task's evaluation lengths and its training length, increasing. */
    static int[] evaluationLengths(Task task) {
        return IntStream.concat(IntStream.of(task.trainLength()), Arrays.stream(task.evalLengths())).distinct().sorted()
                .toArray();
    }

    /**
     * Evaluation number e (0 at iteration 0) at the i-th of n lengths reads batches 2(e n + i)B.. of the EVAL stream,
     * B = EVAL_BATCHES, in distribution then OoD. The record's losses are those at the training length; with more
     * than one length it lists them all.
     */
    private EvalRecord[] evaluate(float[] trainLoss) {
        int rep = model.rep();
        int n = evalLengths.length;
        double[][] lossId = new double[n][rep];
        double[][] accId = new double[n][rep];
        double[][] lossOod = new double[n][rep];
        double[][] accOod = new double[n][rep];
        int trainAt = 0;
        for (int i = 0; i < n; i++) {
            long first = 2L * EVAL_BATCHES * ((long) logLines.get(0).size() * n + i);
            evaluator.evaluate(DataStream.EVAL, first, EVAL_BATCHES, evalLengths[i], false, lossId[i], accId[i]);
            evaluator.evaluate(DataStream.EVAL, first + EVAL_BATCHES, EVAL_BATCHES, evalLengths[i], true, lossOod[i],
                    accOod[i]);
            if (evalLengths[i] == length) trainAt = i;
        }
        EvalRecord[] out = new EvalRecord[rep];
        for (int r = 0; r < rep; r++) {
            List<EvalRecord.LengthEval> byLength = new ArrayList<>();
            for (int i = 0; n > 1 && i < n; i++) {
                byLength.add(new EvalRecord.LengthEval(evalLengths[i], lossId[i][r], lossOod[i][r], accId[i][r],
                        accOod[i][r]));
            }
            double train = trainLoss == null ? Double.NaN : trainLoss[r];
            out[r] = new EvalRecord(iteration, train, lossId[trainAt][r], lossOod[trainAt][r], accId[trainAt][r],
                    accOod[trainAt][r], byLength);
        }
        return out;
    }

    /**
     * For each replica in turn (terms: the routing regularisers' terms of the last step, (rep, 3), logged beside its
     * losses; null when none): model_best (when improved), model_last, then the training state (the commit
     * point a resume starts from), then log.jsonl; each atomically, so a kill at any moment leaves runs that
     * --resume continues. A replica with a non-finite loss or parameter writes none of them: it diverged.
     */
    private void checkpoint(EvalRecord[] records, float[] terms, Listener listener) throws IOException {
        int adamStep = adam.stepCount();
        for (int r = 0; r < records.length; r++) {
            if (divergences[r] != null) continue;
            float[] values = model.arena().download(model.arena().data(), r);
            String nonFinite = records[r].nonFiniteLoss();
            if (nonFinite == null) nonFinite = nonFiniteParameter(values);
            if (nonFinite != null) {
                diverge(r, nonFinite, listener);
                continue;
            }
            RunDirectory dir = dirs.get(r);
            List<String> lines = logLines.get(r);
            Map<String, Object> line = records[r].toMap();
            for (int t = 0; terms != null && t < TERM_KEYS.size(); t++) line.put(TERM_KEYS.get(t), terms[3 * r + t]);
            lines.add(RunDirectory.jsonLine(line));
            // before the commit point: a kill after it leaves an event the resume's restart marker purges
            if (tensorboard) events.get(r).evaluation(line);
            // the session ends before the last commit point too: a run past it is measured, not trained again
            if (tensorboard && iteration == shape.iterations()) events.get(r).finished(true);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("iteration", Long.toString(iteration));
            meta.put("model", shape.model().cliName());
            meta.put("task", shape.task().cliName());
            if (records[r].selectionScore() > bestScore[r]) {
                bestScore[r] = records[r].selectionScore();
                ModelWeights.save(dir.file(RunDirectory.MODEL_BEST), model.params(), values, meta);
            }
            ModelWeights.save(dir.file(RunDirectory.MODEL_LAST), model.params(), values, meta);
            TrainingState.save(dir.file(RunDirectory.TRAINING_STATE), model.params(), new TrainingState.Snapshot(
                    values, model.arena().download(model.arena().firstMoment(), r),
                    model.arena().download(model.arena().secondMoment(), r),
                    new TrainingState.Progress(iteration, adamStep, bestScore[r], List.copyOf(lines))));
            dir.writeLog(lines);
            lastRecords[r] = records[r];
        }
        if (divergences[0] == null) listener.evaluated(records[0]);
    }

    @Override
    public void close() {
        step.close();
        evaluator.close();
        adam.close();
        model.close();
    }
}
