package modarch.backend.ops;

import modarch.backend.Composite;
import modarch.backend.cuda.Gpu;

/** A dense module MLP's op, forward or backward: its fused kernel where {@link DenseModules#fused} takes the shape. */
sealed interface DenseModulesOp extends Composite permits ModuleMlpForward, ModuleMlpBackward {
    DenseModules modules();

    /** The fused kernel's launches. */
    void launchFused(Gpu gpu);

    @Override
    default void launch(Gpu gpu) {
        if (modules().fused()) launchFused(gpu);
        else launchParts(gpu);
    }
}
