package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import modarch.backend.cpu.ScalarBackend;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.Gemms;
import org.junit.jupiter.api.Test;

/** {@link Gemms} takes independent products only: none may write what another reads or writes. */
class GemmsTest {
    private final Backend backend = new ScalarBackend();

    /** Two replicas' (4, 4) items, 40 floats apart, at off in buf. */
    private static Mat items(String name, FloatBuf buf, int off) {
        return new Mat(name, buf, off, 2, 40, 4, 4, 4);
    }

    @Test
    void productsWritingInterleavedItemsOfOneBufferAreIndependent() {
        FloatBuf x = backend.allocFloats(100), grads = backend.allocFloats(100);
        // as two parameters' gradients in a replica-major arena: replica r's first at 40 r, its second at 40 r + 16
        Gemm first = Gemm.of(items("x", x, 0), true, items("x", x, 0), false, items("first.grad", grads, 0));
        Gemm second = Gemm.of(items("x", x, 0), true, items("x", x, 0), false, items("second.grad", grads, 16));
        assertDoesNotThrow(() -> Gemms.of(first, second));
    }

    @Test
    void aProductReadingWhatAnotherWritesIsRefused() {
        FloatBuf x = backend.allocFloats(100), y = backend.allocFloats(100), z = backend.allocFloats(100);
        Gemm writesY = Gemm.of(items("x", x, 0), false, items("x", x, 0), false, items("y", y, 0));
        Gemm readsY = Gemm.of(items("y row 2", y, 8), false, items("x", x, 0), false, items("z", z, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemms.of(writesY, readsY));
        assertTrue(e.getMessage().contains("product 0 writes y, which product 1 uses as y row 2"), e.getMessage());
        Gemm writesYToo = Gemm.of(items("x", x, 0), false, items("x", x, 0), false, items("y again", y, 4));
        assertThrows(IllegalArgumentException.class, () -> Gemms.of(writesY, writesYToo));
    }
}
