package modarch.backend.cuda;

/**
 * JCuda's failures in our words: with {@code JCudaDriver.setExceptionsEnabled(true)} every driver call that does
 * not return CUDA_SUCCESS throws {@link jcuda.CudaException} whose message is the CUDA error name; this turns it
 * into a {@link CudaException} naming the call, e.g. "cuMemAlloc of 8 GiB failed: CUDA_ERROR_OUT_OF_MEMORY".
 */
final class Cu {
    private Cu() {
    }

    /** Makes failing driver calls throw (a JVM-wide JCuda setting; modarch never turns it off). */
    static void throwOnError() {
        jcuda.driver.JCudaDriver.setExceptionsEnabled(true);
    }

    static CudaException failed(String call, jcuda.CudaException e) {
        return new CudaException(call + " failed: " + e.getMessage(), e);
    }
}
