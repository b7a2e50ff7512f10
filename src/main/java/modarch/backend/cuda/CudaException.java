package modarch.backend.cuda;

/**
 * A failure of the CUDA device or driver (out of memory, a failed launch, a lost device, a missing kernel), with
 * the driver's own words. Not a bug of ours: the command line reports it in one line and exits 1, and the last
 * checkpoint stays as it was.
 */
public final class CudaException extends RuntimeException {
    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
