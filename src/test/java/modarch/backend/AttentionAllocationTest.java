package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import modarch.backend.ops.AttentionBackward;
import modarch.backend.ops.AttentionForward;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.VectorBackend;
import org.junit.jupiter.api.Test;

/**
 * The Vector API attention ops allocate nothing once warm: sparse and dense, split across a pool of two and not.
 * Runs in a JVM of its own (pom.xml, execution attention-allocation): after other Vector API code has run in the same
 * JVM, C2 has been seen to leave these kernels' vector operations boxed, so VectorBackendTest's shared check left
 * them out.
 */
class AttentionAllocationTest {

    @Test
    void attentionAllocatesNothingOnceWarm() {
        try (Parallel two = new Parallel(2)) {
            VectorBackend be = new VectorBackend(two);
            SplittableRandom rnd = new SplittableRandom(5);
            int tokens = 4 * 30 * 128, slots = 4 * 2 * 30 * 29; // (seqs, length, heads * headDim) = (4, 30, 2 * 64)
            try (FloatBuf q = random(be, rnd, tokens); FloatBuf k = random(be, rnd, tokens);
                 FloatBuf v = random(be, rnd, tokens); FloatBuf out = be.allocFloats(tokens);
                 FloatBuf gq = be.allocFloats(tokens); FloatBuf gk = be.allocFloats(tokens); FloatBuf gv = be.allocFloats(tokens);
                 IntBuf kept = be.allocInts(slots); FloatBuf weight = be.allocFloats(slots); FloatBuf score = be.allocFloats(slots)) {
                int[] keptKeys = {1, 29};
                int[] sequences = {4, 1}; // split across the pool, and not
                List<Op> ops = new ArrayList<>(); // built once, as a layer builds its ops
                for (int topK : keptKeys) {
                    for (int seqs : sequences) {
                        ops.add(new AttentionForward(seqs, 30, 2, 64, topK, 0.125f, q, k, v, out, kept, weight));
                        ops.add(new AttentionBackward(seqs, 30, 2, 64, topK, 0.125f, q, k, v, kept, weight, out, score,
                                gq, gk, gv));
                    }
                }
                Runnable step = () -> {
                    for (int i = 0; i < ops.size(); i++) be.run(ops.get(i));
                };
                long allocated = WarmAllocation.ofFiftyRuns(step);
                assertEquals(0, allocated, "bytes allocated by 50 warm attention steps");
            }
        }
    }

    private static FloatBuf random(Backend be, SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        FloatBuf buf = be.allocFloats(n);
        be.upload(x, 0, buf, 0, n);
        return buf;
    }
}
