package modarch.backend.cuda;

/**
 * Every kernel of kernels/*.cu that {@link CudaBackend} launches; a constant in lower case is the kernel's
 * {@code extern "C"} name.
 */
enum KernelName {
    GEMM_TILED,
    GEMM_SMALL,
    FILL_F32,
    RELU_BACKWARD,
    COLUMN_SUM_ACCUMULATE,
    COPY_BLOCKS,
    SCALE_BLOCKS,
    BLOCK_DOT_ACCUMULATE,
    ONE_HOT,
    SOFTMAX_ROWS,
    SOFTMAX_ROWS_BACKWARD;

    /** The kernel's name in the .cu source and the module. */
    String symbol() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
