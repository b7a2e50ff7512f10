package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import modarch.TestBuffers;
import modarch.backend.cpu.ScalarBackend;
import org.junit.jupiter.api.Test;

/** The reference's gradient clipping is PyTorch's clip_grad_norm_: g *= min(1, max / (norm + 1e-6)), per replica. */
class ClipGradNormTest {
    private static final Backend REFERENCE = new ScalarBackend();

    @Test
    void scalesEachReplicaByItsOwnNormOnlyAboveTheMaximum() {
        // replica 0: (3, 4), norm 5, clipped to 1; replica 1: (0.3, 0.4), norm 0.5, left alone
        try (FloatBuf grad = TestBuffers.of(REFERENCE, new float[] {9f, 3f, 4f, 0.3f, 0.4f});
             FloatBuf norms = REFERENCE.allocFloats(2)) {
            REFERENCE.run(TestOps.clipGradNorm(2, 2, grad, 1, 2, 1f, norms, 0));
            float coefficient = 1f / (5f + 1e-6f);
            assertArrayEquals(new float[] {9f, 3f * coefficient, 4f * coefficient, 0.3f, 0.4f},
                    TestBuffers.read(REFERENCE, grad), "the value before the first replica is untouched");
            float[] n = TestBuffers.read(REFERENCE, norms);
            assertEquals(5f, n[0]);
            assertEquals(0.5f, n[1], 1e-7f);
        }
    }
}
