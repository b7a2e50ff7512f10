package modarch.backend;

import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;

/**
 * One op with its operands bound ({@link Mat} and {@link IntMat} views, checked when the op is built, and scalars),
 * run by {@link Backend#run}. An op's class is its one home: the argument record, the CPU reference (the scalar
 * semantics every backend agrees with) and the CUDA launch. Build an op once (when a layer is built or a step first
 * runs) and run it many times: a warm training step allocates nothing.
 */
public interface Op {
    /**
     * The reference on host buffers. pool may split independent items (a reference that uses it gives the same bits
     * for any pool); the scalar backend passes a pool of the calling thread alone.
     */
    void reference(Parallel pool);

    /** The op's kernel launches on the device, in order. */
    void launch(Gpu gpu);
}
