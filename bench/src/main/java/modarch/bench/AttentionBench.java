package modarch.bench;

import java.util.SplittableRandom;
import modarch.backend.ops.AttentionShape;
import modarch.backend.ops.AttentionBackward;
import modarch.backend.ops.AttentionForward;
import java.util.concurrent.TimeUnit;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
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
 * One forward and one backward of the fused sparse top-k attention ops at the size of an MHA layer's call: 256
 * sequences, 8 heads of 64 (R = 4 modules, attention width 512), sequence length L and K kept keys per query
 * ("dense": K = L - 1, every other key). Per (sequence, head) item the score and weighted-sum work is
 * {@code 2 L headDim ((L - 1) + 5 K)} floating-point operations: the scores against all L - 1 other keys, and five
 * products over the K kept ones (out; and in the backward the gradient dot products, gradQ, gradK, gradV); the
 * results file turns the times into GFLOP/s with it.
 *
 * <pre>
 * mvn -q -Pbench -DskipTests package
 * java --add-modules jdk.incubator.vector -cp target/modarch.jar org.openjdk.jmh.Main AttentionBench \
 *     -p backend=vector,scalar -p threads=1 -f 1 -wi 2 -w 1 -i 5 -r 1
 * </pre>
 * An iteration of the scalar backend at L = 100 dense is a single call of about 6 s. Results:
 * bench/results/cpu-attention-2026-11-26.md. {@code -p backend=cuda-emulated} runs the CUDA kernels on the emulated
 * device (a check that the path runs, not a speed), {@code -p backend=cuda} on a GPU; the GPU's figures in
 * bench/results/gpu-*-mha.md come from GpuStepTimer's plain timer, the project's way of timing a device.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AttentionBench {
    static final int SEQS = 256, HEADS = 8, HEAD_DIM = 64;

    /** vector, scalar, or any --device choice (cuda, cuda-emulated): each call then ends in a one-float download. */
    @Param({"vector", "scalar"})
    public String backend;

    /** Threads of the vector backend's pool (the scalar backend runs on the calling thread). */
    @Param({"1"})
    public int threads;

    @Param({"10", "30", "100"})
    public int length;

    /** Keys kept per query: a number, or "dense" for length - 1. */
    @Param({"1", "2", "dense"})
    public String topK;

    private Parallel pool;
    private Backend be;
    private int k;
    private float scale;
    private FloatBuf q, kb, v, out, gradOut, gradQ, gradK, gradV, weight, gradScore;
    private IntBuf kept;
    private AttentionForward forward;
    private AttentionBackward backward;
    private final float[] last = new float[1];

    @Setup(Level.Trial)
    public void setUp() {
        pool = new Parallel(threads);
        be = switch (backend) {
            case "scalar" -> new ScalarBackend();
            case "vector" -> new VectorBackend(pool);
            default -> Backends.select(backend).backend();
        };
        k = topK.equals("dense") ? length - 1 : Integer.parseInt(topK);
        scale = (float) (1 / Math.sqrt(HEAD_DIM));
        int tokens = SEQS * length * HEADS * HEAD_DIM, slots = SEQS * HEADS * length * AttentionShape.keptKeys(k,
                length);
        SplittableRandom rnd = new SplittableRandom(1);
        q = random(rnd, tokens);
        kb = random(rnd, tokens);
        v = random(rnd, tokens);
        gradOut = random(rnd, tokens);
        out = be.allocFloats(tokens);
        gradQ = be.allocFloats(tokens);
        gradK = be.allocFloats(tokens);
        gradV = be.allocFloats(tokens);
        weight = be.allocFloats(slots);
        gradScore = be.allocFloats(slots);
        kept = be.allocInts(slots);
        forward = new AttentionForward(SEQS, length, HEADS, HEAD_DIM, k, scale, q, kb, v, out, kept, weight);
        backward = new AttentionBackward(SEQS, length, HEADS, HEAD_DIM, k, scale, q, kb, v, kept, weight, gradOut,
                gradScore, gradQ, gradK, gradV);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        be.close();
        pool.close();
    }

    @Benchmark
    public FloatBuf forwardBackward() {
        be.run(forward);
        be.run(backward);
        be.download(gradV, 0, last, 0, 1); // waits for a device to finish
        return gradV;
    }

    private FloatBuf random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            double a = rnd.nextDouble(), b = rnd.nextDouble();
            x[i] = (float) (Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b));
        }
        FloatBuf buf = be.allocFloats(size);
        be.upload(x, 0, buf, 0, size);
        return buf;
    }
}
