package modarch.bench;

import java.util.concurrent.TimeUnit;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.model.MlpModel;
import modarch.model.ModelKind;
import modarch.task.FastRandom;
import modarch.task.MlpTask;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full training step of mlp-regression (data, forward, backward, Adam) at batch 256, R=8,
 * as `modarch train` runs it; compare with bench/torch_step.py through bench/compare.sh.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TrainStepBench {
    /** "E,D": encoder width and model width. */
    @Param({"32,128", "128,512"})
    public String sizes;

    @Param({"modular"})
    public String model;

    @Param({"8"})
    public int rules;

    private TrainStep step;
    private FastRandom[] streams;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = sizes.split(",");
        int encDim = Integer.parseInt(parts[0]);
        int dim = Integer.parseInt(parts[1]);
        Backend backend = Backends.select("auto").backend();
        MlpModel mlp = new MlpModel(backend, ModelKind.parse(model), 1, rules, encDim, dim, 256);
        mlp.init(0, 0);
        MlpTask[] tasks = {new MlpTask(rules, 0, false)};
        step = new TrainStep(backend, mlp, tasks, Loss.L1, new Adam(backend, mlp.params(), 1e-4), 256);
        streams = new FastRandom[] {new FastRandom(0, 1)};
    }

    @Benchmark
    public double trainStep() {
        return step.run(streams);
    }
}
