package modarch.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.model.Model;
import modarch.model.ModelSpec;
import modarch.model.Registry;
import modarch.model.RunOption;
import modarch.model.TaskSpec;
import modarch.model.mha.MhaFamily;
import modarch.task.Task;
import modarch.train.Adam;
import modarch.train.Loss;
import modarch.train.TrainConfig;
import modarch.train.TrainOptions;
import modarch.train.TrainStep;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full training step (data, forward, backward, Adam) at batch 256, as `modarch train` runs it, for a group of
 * {@code replicas} runs side by side (one step of every replica per call); compare with bench/torch_step.py through
 * bench/compare.sh. The MLP family (mlp-regression, sizes "ExD"), the MHA family (mha-regression, sizes
 * "dim x att_dim", sequences of 10 tokens, {@code topk} keys per query, 0 = dense) or the RNN family
 * (rnn-regression, sizes "enc x h_dim", d = 32, sequences of 10 steps, gradients clipped). Replica throughput:
 * {@code -p sizes=32x128 -p replicas=1,8}; the payoff is 8 * time(1) / time(8) (bench/versus.sh prints it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(1)
public class TrainStepBench {
    @Param({"mlp-regression"})
    public String task;

    /**
     * The family's two widths, "AxB" (not "A,B": JMH's -p splits values at commas): MLP E x D, MHA dim x att_dim,
     * RNN enc x h_dim.
     */
    @Param({"32x128", "128x512"})
    public String sizes;

    @Param({"modular"})
    public String model;

    @Param({"8"})
    public int rules;

    @Param({"1"})
    public int replicas;

    /** MHA: keys kept per query (0: dense, the reference). */
    @Param({"0"})
    public int topk;

    private TrainStep[] shards;
    private ExecutorService pool;
    private long iteration;

    /** As `train --seeds` runs a group: the backend's replica shards, one TrainStep each, side by side. */
    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = sizes.split("[x,]");
        TrainConfig config = config(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        List<Backend> backends = Backends.select("auto").backend().replicaShards(replicas);
        shards = new TrainStep[backends.size()];
        for (int s = 0; s < shards.length; s++) {
            int from = replicas * s / shards.length, to = replicas * (s + 1) / shards.length;
            shards[s] = shard(backends.get(s), from, to, config);
        }
        pool = Executors.newFixedThreadPool(Math.max(1, shards.length - 1));
    }

    /** The task's run at capacity (first, second), its family's other options at their defaults. */
    private TrainConfig config(int first, int second) {
        TaskSpec spec = Registry.task(task);
        List<RunOption> capacity = spec.family().capacity();
        Map<RunOption, Number> given = new LinkedHashMap<>();
        given.put(TrainOptions.RULES, rules);
        given.put(capacity.get(0), first);
        given.put(capacity.get(1), second);
        if (topk > 0) given.put(MhaFamily.ATTENTION_TOPK, topk);
        given.put(TrainOptions.ITERATIONS, 1L);
        given.put(TrainOptions.EVAL_EVERY, 1L);
        return TrainOptions.config(spec, model, given);
    }

    private TrainStep shard(Backend backend, int from, int to, TrainConfig config) {
        int rep = to - from;
        Task[] tasks = new Task[rep];
        long[] seeds = new long[rep];
        for (int r = 0; r < rep; r++) {
            tasks[r] = config.newTask(from + r);
            seeds[r] = from + r;
        }
        int length = tasks[0].trainLength();
        ModelSpec spec = config.modelSpec();
        Model m = config.task().newModel(backend, rep, spec, 256 * spec.maxLength());
        for (int r = 0; r < rep; r++) m.init(r, from + r);
        return new TrainStep(backend, m, tasks, seeds, Loss.L1, new Adam(backend, m.arena(), 1e-4), 256, length,
                config.task().family().maxGradNorm());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdown();
    }

    /** One step of every replica. */
    @Benchmark
    public void trainStep() throws Exception {
        long i = ++iteration;
        List<Future<?>> others = new ArrayList<>();
        for (int s = 1; s < shards.length; s++) {
            TrainStep shard = shards[s];
            others.add(pool.submit(() -> shard.run(i)));
        }
        shards[0].run(i);
        for (Future<?> other : others) other.get();
    }
}
