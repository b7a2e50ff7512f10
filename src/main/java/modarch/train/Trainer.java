package modarch.train;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import modarch.Version;
import modarch.backend.Backend;
import modarch.model.MlpModel;
import modarch.task.FastRandom;
import modarch.task.MlpTask;

/**
 * The reference's training recipe for one run (replica 0 of rep = 1): Adam, one fresh batch per
 * step, evaluation on 10 fresh batches (in distribution and OoD) at iteration 0 and every
 * evalEvery iterations (and at the last), a checkpoint at every evaluation.
 */
public final class Trainer {
    /** Evaluation batches, as the reference's eval_step(n_evals=10). */
    public static final int EVAL_BATCHES = 10;
    /** The data stream of a run with model seed S is FastRandom(S, TRAIN_STREAM). */
    public static final long TRAIN_STREAM = 1;
    private static final long EVAL_STREAM = 2;

    /** Hears about progress; nothing in the trainer prints. */
    public interface Listener {
        default void started(long fromIteration, long iterations) {
        }

        default void stepped(long iteration) {
        }

        default void evaluated(EvalRecord record) {
        }
    }

    private final TrainConfig config;
    private final String device;
    private final Backend backend;
    private final RunDirectory dir;
    private final MlpModel model;
    private final Adam adam;
    private final TrainStep step;
    private final Evaluator evaluator;
    private FastRandom[] trainStreams;
    private FastRandom[] evalStreams;
    private final List<String> logLines = new ArrayList<>();
    private double bestScore = Double.NEGATIVE_INFINITY;
    private long iteration;

    /** device is the --device choice as given (auto, cpu), recorded in config.json beside the backend. */
    public Trainer(TrainConfig config, String device, Backend backend, RunDirectory dir) {
        this.config = config;
        this.device = device;
        this.backend = backend;
        this.dir = dir;
        this.model = new MlpModel(backend, config.model(), 1, config.rules(), config.encDim(), config.dim(),
                config.batchSize());
        MlpTask[] tasks = {new MlpTask(config.rules(), config.dataSeed(), config.task().classification())};
        Loss loss = Loss.forTask(config.task().classification());
        this.adam = new Adam(backend, model.params(), config.lr());
        this.step = new TrainStep(backend, model, tasks, loss, adam, config.batchSize());
        this.evaluator = new Evaluator(backend, model, tasks, loss, config.batchSize());
    }

    public MlpModel model() {
        return model;
    }

    /** config.json content: every option, the engine version, backend and parameter count. */
    public Map<String, Object> configJson() {
        Map<String, Object> json = new LinkedHashMap<>(config.toMap());
        json.put("device", device);
        json.put("engine_version", Version.ENGINE);
        json.put("backend", backend.name());
        json.put("parameters", model.parameterCount());
        return json;
    }

    /** Trains from scratch, or from the last checkpoint when resume is set, to config.iterations(). */
    public void run(boolean resume, Listener listener) throws IOException {
        if (resume) dir.removeStaleTempFiles();
        if (resume && Files.exists(dir.file(RunDirectory.TRAINING_STATE))) {
            restore();
            listener.evaluated(EvalRecord.fromJson(logLines.get(logLines.size() - 1)));
        } else {
            start(listener);
        }
        listener.started(iteration, config.iterations());
        while (iteration < config.iterations()) {
            iteration++;
            double trainLoss = step.run(trainStreams);
            listener.stepped(iteration);
            if (iteration % config.evalEvery() == 0 || iteration == config.iterations()) {
                checkpoint(evaluate(trainLoss), listener);
            }
        }
    }

    private void start(Listener listener) throws IOException {
        dir.writeJson(RunDirectory.CONFIG, configJson());
        model.init(0, config.seed());
        trainStreams = new FastRandom[] {new FastRandom(config.seed(), TRAIN_STREAM)};
        evalStreams = new FastRandom[] {new FastRandom(config.seed(), EVAL_STREAM)};
        iteration = 0;
        EvalRecord first = evaluate(Double.NaN);
        // the reference logs the eval loss as the train loss at iteration 0
        checkpoint(new EvalRecord(0, first.evalLoss(), first.evalLoss(), first.evalOodLoss(),
                first.evalAccuracy(), first.evalOodAccuracy()), listener);
    }

    private void restore() throws IOException {
        TrainingState.Progress progress = TrainingState.load(dir.file(RunDirectory.TRAINING_STATE), model.params(), adam);
        iteration = progress.iteration();
        trainStreams = streams(progress.trainStreams());
        evalStreams = streams(progress.evalStreams());
        bestScore = progress.bestScore();
        logLines.clear();
        logLines.addAll(progress.logLines());
        dir.writeLog(logLines);
    }

    private static FastRandom[] streams(long[][] states) {
        FastRandom[] out = new FastRandom[states.length];
        for (int i = 0; i < states.length; i++) out[i] = FastRandom.fromState(states[i]);
        return out;
    }

    private static long[][] states(FastRandom[] streams) {
        long[][] out = new long[streams.length][];
        for (int i = 0; i < streams.length; i++) out[i] = streams[i].state();
        return out;
    }

    private EvalRecord evaluate(double trainLoss) {
        double[] lossId = new double[1];
        double[] accId = new double[1];
        double[] lossOod = new double[1];
        double[] accOod = new double[1];
        evaluator.evaluate(evalStreams, EVAL_BATCHES, false, lossId, accId);
        evaluator.evaluate(evalStreams, EVAL_BATCHES, true, lossOod, accOod);
        return new EvalRecord(iteration, trainLoss, lossId[0], lossOod[0], accId[0], accOod[0]);
    }

    /**
     * Writes model_best (when improved), model_last, then the training state (the commit point a
     * resume starts from), then log.jsonl; each atomically, so a kill at any moment leaves a
     * consistent run that --resume continues.
     */
    private void checkpoint(EvalRecord record, Listener listener) throws IOException {
        logLines.add(RunDirectory.jsonLine(record.toMap()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("iteration", Long.toString(iteration));
        meta.put("model", config.model().cliName());
        meta.put("task", config.task().cliName());
        if (record.selectionScore() > bestScore) {
            bestScore = record.selectionScore();
            ModelWeights.save(dir.file(RunDirectory.MODEL_BEST), model.params(), 0, meta);
        }
        ModelWeights.save(dir.file(RunDirectory.MODEL_LAST), model.params(), 0, meta);
        TrainingState.save(dir.file(RunDirectory.TRAINING_STATE), model.params(), adam,
                new TrainingState.Progress(iteration, adam.stepCount(), states(trainStreams), states(evalStreams),
                        bestScore, List.copyOf(logLines)));
        dir.writeLog(logLines);
        listener.evaluated(record);
    }
}
