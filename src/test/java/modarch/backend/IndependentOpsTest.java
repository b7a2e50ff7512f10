package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import modarch.backend.cpu.ScalarBackend;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.CopyPair;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.Gemms;
import org.junit.jupiter.api.Test;

/**
 * The ops that run several independent ones together ({@link Gemms}, {@link CopyPair}) take them only when none
 * writes an element another reads or writes, checked row by row: interleaved items or columns of one buffer pass.
 */
class IndependentOpsTest {
    private final Backend backend = new ScalarBackend();

    /** Two items of (4, 4), 40 floats apart, at off in buf: two replicas of a parameter in a replica-major arena. */
    private static Mat items(String name, FloatBuf buf, int off) {
        return new Mat(name, buf, off, 2, 40, 4, 4, 4);
    }

    /** (4, 3) rows with row stride 6 from off: a column block of a joined buffer. */
    private static Mat columns(String name, FloatBuf buf, int off) {
        return new Mat(name, buf, off, 1, 0, 4, 3, 6);
    }

    private FloatBuf floats() {
        return backend.allocFloats(100);
    }

    @Test
    void productsWritingInterleavedItemsOfOneBufferAreIndependent() {
        FloatBuf x = floats(), grads = floats();
        Gemm first = Gemm.of(items("x", x, 0), true, items("x", x, 0), false, items("first.grad", grads, 0));
        Gemm second = Gemm.of(items("x", x, 0), true, items("x", x, 0), false, items("second.grad", grads, 16));
        assertDoesNotThrow(() -> Gemms.of(first, second));
    }

    @Test
    void aProductReadingOrWritingWhatAnotherWritesIsRefused() {
        FloatBuf x = floats(), y = floats(), z = floats();
        Gemm writesY = Gemm.of(items("x", x, 0), false, items("x", x, 0), false, items("y", y, 0));
        Gemm readsY = Gemm.of(items("y row 2", y, 8), false, items("x", x, 0), false, items("z", z, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemms.of(writesY, readsY));
        assertTrue(e.getMessage().contains("product 0 writes y, which product 1 uses as y row 2"), e.getMessage());
        Gemm writesYToo = Gemm.of(items("x", x, 0), false, items("x", x, 0), false, items("y again", y, 4));
        assertThrows(IllegalArgumentException.class, () -> Gemms.of(writesY, writesYToo));
    }

    @Test
    void copiesIntoInterleavedColumnsAreIndependent() {
        FloatBuf a = floats(), b = floats(), joined = floats();
        assertDoesNotThrow(() -> new CopyPair(CopyBlocks.copy(columns("a", a, 0), columns("joined left", joined, 0)),
                CopyBlocks.copy(columns("b", b, 0), columns("joined right", joined, 3))));
    }

    @Test
    void aCopyReadingOrWritingWhatTheOtherWritesIsRefused() {
        FloatBuf a = floats(), joined = floats(), out = floats();
        CopyBlocks intoJoined = CopyBlocks.copy(columns("a", a, 0), columns("joined", joined, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CopyPair(intoJoined,
                CopyBlocks.copy(columns("joined shifted", joined, 2), columns("out", out, 0))));
        assertTrue(e.getMessage().contains("not independent"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CopyPair(intoJoined,
                CopyBlocks.copy(columns("a again", a, 0), columns("joined again", joined, 1))));
    }
}
