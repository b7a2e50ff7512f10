package modarch.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.backend.ops.Gemm;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * sgemm C = op(A) op(B) at the shapes of a batch-256 modular MLP step. The score is calls per ms; the
 * {@code gflops} line is GFLOP/s (it counts 2mnk/10^6 per call, and JMH divides by ms).
 *
 * <pre>
 * mvn -q -Pbench -DskipTests package
 * java --add-modules jdk.incubator.vector -cp target/modarch.jar org.openjdk.jmh.Main GemmBench -f 1 -wi 3 -i 5
 * (the forked JVM inherits this one's flags)
 * </pre>
 * Add {@code -p threads=1 -p trans=NN} to narrow the grid, {@code -p backend=scalar} for the reference.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GemmBench {

    /** "MxNxK" of C (m, n) = op(A) (m, k) * op(B) (k, n). */
    @Param({"256x256x256", "256x513x64", "256x384x512", "256x512x384", "512x512x256", "256x32x96", "512x16x128",
            "256x1x128"})
    public String shape;

    /** Transposes of A and B: NN forward and dX, NT dX against W stored (out, in), TN dW over the batch. */
    @Param({"NN", "NT", "TN"})
    public String trans;

    @Param({"1", "2"})
    public int threads;

    @Param({"vector"})
    public String backend;

    private Parallel pool;
    private Backend gemm;
    private boolean transA, transB;
    private int m, n, k;
    private FloatBuf a, b, c;
    private Gemm product; // c (m, n) = op(a) . op(b)

    /** Millions of floating-point operations done; JMH reports them per ms, which is GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflops;
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        transA = trans.charAt(0) == 'T';
        transB = trans.charAt(1) == 'T';
        pool = new Parallel(threads);
        gemm = backend.equals("scalar") ? new ScalarBackend() : new VectorBackend(pool);
        SplittableRandom rnd = new SplittableRandom(1);
        a = random(rnd, m * k);
        b = random(rnd, k * n);
        c = gemm.allocFloats(m * n);
        Mat stored = transA ? Mat.of("a", a, 0, k, m) : Mat.of("a", a, 0, m, k);
        product = Gemm.of(stored, transA, transB ? Mat.of("b", b, 0, n, k) : Mat.of("b", b, 0, k, n), transB,
                Mat.of("c", c, 0, m, n));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public FloatBuf gemm(Flops flops) {
        gemm.run(product);
        flops.gflops += 2e-6 * m * n * k;
        return c;
    }

    private FloatBuf random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        FloatBuf buf = gemm.allocFloats(size);
        gemm.upload(x, 0, buf, 0, size);
        return buf;
    }
}
