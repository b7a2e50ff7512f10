package modarch.backend.ops;

import java.util.List;
import modarch.backend.Composite;
import modarch.backend.Op;
import modarch.backend.cuda.Gpu;

/**
 * A window's op, forward or backward: its parts on the CPU, and on the GPU its window kernel where
 * {@link LstmWindow#fused} takes the window, else its parts one by one.
 */
abstract sealed class LstmWindowOp implements Composite permits LstmWindowForward, LstmWindowBackward {
    final LstmWindow window;
    private final List<Op> parts;

    LstmWindowOp(LstmWindow window, List<Op> parts) {
        this.window = window;
        this.parts = List.copyOf(parts);
    }

    @Override
    public final List<Op> parts() {
        return parts;
    }

    @Override
    public final void launch(Gpu gpu) {
        if (window.fused()) {
            launchFused(gpu);
            return;
        }
        launchParts(gpu);
    }

    /** The window kernel's launches. */
    abstract void launchFused(Gpu gpu);
}
