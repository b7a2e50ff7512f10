package modarch.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.VectorBackend;
import modarch.nn.ModuleMlp;
import modarch.nn.OpRouter;
import modarch.nn.Router;
import modarch.nn.RouterRegularization;
import modarch.nn.SelfScoreRouter;
import modarch.nn.Workspace;
import modarch.task.FastRandom;
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
 * One forward and one backward of the routed module MLP (the MLP family's core: GroupLinear(R, 3E, H) - ReLU -
 * GroupLinear(R, H, D), H = D / R) at R = 32, E = 256, D = 1024 (H = 32), 256 rows, under dense routing ("dense") and
 * top-k routing with K = 1, 2 and 32 (the dispatched path with every module). The modules' products are
 * {@code 2 rows K H (3E + D)} floating-point operations forward (K = R when dense) and twice that backward; Modular's
 * first layer runs on every row for its score units, so only its second layer falls with K.
 *
 * <pre>
 * mvn -q -Pbench -DskipTests package
 * java --add-modules jdk.incubator.vector -cp target/modarch.jar org.openjdk.jmh.Main ModuleMlpBench -p threads=1
 * </pre>
 * Results: bench/results/cpu-topk-routing-2026-11-26.md. {@code -p backend=cuda-emulated} runs the CUDA kernels on
 * the emulated device (a check that the path runs, not a speed).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ModuleMlpBench {
    static final int R = 32, E = 256, D = 1024, ROWS = 256;

    /** vector, or any --device choice (cuda, cuda-emulated): each call then ends in a one-float download. */
    @Param({"vector"})
    public String backend;

    /** Threads of the vector backend's pool. */
    @Param({"1"})
    public int threads;

    @Param({"modular-op", "modular"})
    public String kind;

    /** Modules per row: a number (the dispatched path), or "dense" for the paper's routing. */
    @Param({"1", "2", "32", "dense"})
    public String topK;

    private Parallel pool;
    private Backend be;
    private Workspace ws;
    private ModuleMlp modules;
    private FloatBuf x, ruleContext, gradInput;
    private IntBuf rules;
    private final float[] last = new float[1];

    @Setup(Level.Trial)
    public void setUp() {
        pool = new Parallel(threads);
        be = backend.equals("vector") ? new VectorBackend(pool) : Backends.select(backend).backend();
        ws = new Workspace(be, 1);
        int k = topK.equals("dense") ? 0 : Integer.parseInt(topK);
        Router router = kind.equals("modular")
                ? new SelfScoreRouter(ws, R, ROWS, RouterRegularization.NONE, k)
                : new OpRouter(ws, "scorer", E, 0, R, ROWS, true, true, RouterRegularization.NONE, k);
        modules = new ModuleMlp(ws, "MLP", R, 3 * E, D / R, D, ROWS, true, router);
        ws.params().allocate();
        float[] values = new float[ws.params().replicaStride()];
        modules.init(values, new FastRandom(1));
        ws.params().upload(values, ws.params().data(), 0);
        SplittableRandom rnd = new SplittableRandom(2);
        x = random(rnd, ROWS * 3 * E);
        ruleContext = random(rnd, ROWS * E);
        gradInput = be.allocFloats(ROWS * 3 * E);
        rules = be.allocInts(ROWS);
        float[] dy = new float[ROWS * D];
        for (int i = 0; i < dy.length; i++) dy[i] = (float) rnd.nextGaussian();
        be.upload(dy, 0, modules.gradOutput(), 0, dy.length);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ws.close();
        be.close();
        pool.close();
    }

    @Benchmark
    public FloatBuf forwardBackward() {
        modules.forward(x, ruleContext, rules, ROWS);
        modules.backward(gradInput);
        be.download(gradInput, 0, last, 0, 1); // waits for a device to finish
        return gradInput;
    }

    private FloatBuf random(SplittableRandom rnd, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) rnd.nextGaussian();
        FloatBuf buf = be.allocFloats(size);
        be.upload(v, 0, buf, 0, size);
        return buf;
    }
}
