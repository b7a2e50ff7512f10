package modarch.backend;

/**
 * A float array owned by a {@link Backend}: host memory for the CPU backends, device memory for CUDA. Its
 * contents are reached only through the backend's ops and {@link Backend#upload}/{@link Backend#download}.
 * Closing frees it; a closed buffer must not be used again.
 */
public interface FloatBuf extends AutoCloseable {

    /** Number of floats. */
    int length();

    @Override
    void close();
}
