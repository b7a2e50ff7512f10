package modarch.backend.cuda;

/**
 * Every kernel of kernels/*.cu that {@link CudaBackend} launches; a constant in lower case is the kernel's
 * {@code extern "C"} name.
 */
enum KernelName {
    GEMM_TILED,
    GEMM_SMALL,
    COPY_BLOCKS;

    /** The kernel's name in the .cu source and the module. */
    String symbol() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
