package modarch.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.model.MlpModel;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.task.MlpTask;
import modarch.task.Task;
import modarch.train.Adam;
import modarch.train.Loss;
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
 * One full training step of mlp-regression (data, forward, backward, Adam) at batch 256, R=8, as `modarch train`
 * runs it, for a group of {@code replicas} runs side by side (one step of every replica per call); compare with
 * bench/torch_step.py through bench/compare.sh. Replica throughput: {@code -p sizes=32x128 -p replicas=1,8}; the
 * payoff is 8 * time(1) / time(8) (bench/versus.sh prints it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(1)
public class TrainStepBench {
    /** "ExD": encoder width and model width (not "E,D": JMH's -p splits values at commas). */
    @Param({"32x128", "128x512"})
    public String sizes;

    @Param({"modular"})
    public String model;

    @Param({"8"})
    public int rules;

    @Param({"1"})
    public int replicas;

    private TrainStep[] shards;
    private ExecutorService pool;
    private long iteration;

    /** As `train --seeds` runs a group: the backend's replica shards, one TrainStep each, side by side. */
    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = sizes.split("[x,]");
        int encDim = Integer.parseInt(parts[0]);
        int dim = Integer.parseInt(parts[1]);
        List<Backend> backends = Backends.select("auto").backend().replicaShards(replicas);
        shards = new TrainStep[backends.size()];
        for (int s = 0; s < shards.length; s++) {
            int from = replicas * s / shards.length, to = replicas * (s + 1) / shards.length;
            shards[s] = shard(backends.get(s), from, to, encDim, dim);
        }
        pool = Executors.newFixedThreadPool(Math.max(1, shards.length - 1));
    }

    private TrainStep shard(Backend backend, int from, int to, int encDim, int dim) {
        int rep = to - from;
        MlpModel mlp = new MlpModel(backend, rep, new ModelSpec(ModelKind.parse(model), rules, encDim, dim), 256);
        Task[] tasks = new Task[rep];
        long[] seeds = new long[rep];
        for (int r = 0; r < rep; r++) {
            mlp.init(r, from + r);
            tasks[r] = new MlpTask(rules, from + r, false);
            seeds[r] = from + r;
        }
        return new TrainStep(backend, mlp, tasks, seeds, Loss.L1, new Adam(backend, mlp.arena(), 1e-4), 256, 1);
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
