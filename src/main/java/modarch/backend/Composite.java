package modarch.backend;

import java.util.List;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;

/**
 * An op that stands for a fixed sequence of ops: a CPU backend runs its parts in order, each as that backend runs
 * it, so the composite keeps their bits there; its GPU launch may do the same work in fewer launches (the same
 * meaning, sums perhaps in another order), or launch its parts in turn.
 */
public interface Composite extends Op {
    /** The ops this one stands for, in order. */
    List<? extends Op> parts();

    @Override
    default void reference(Parallel pool) {
        List<? extends Op> parts = parts();
        for (int i = 0; i < parts.size(); i++) parts.get(i).reference(pool); // a warm step allocates nothing
    }

    /** The parts' launches in turn: a composite's launch where it has no fewer. */
    default void launchParts(Gpu gpu) {
        List<? extends Op> parts = parts();
        for (int i = 0; i < parts.size(); i++) parts.get(i).launch(gpu);
    }
}
