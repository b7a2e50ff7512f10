package modarch.backend.cuda;

import java.io.IOException;
import java.io.InputStream;

/**
 * modarch's kernels as nvcc builds them: one fatbin (SASS for sm_80..sm_100 and compute_80 PTX), a classpath
 * resource of the jar. Built by nvcc 13, so it needs a driver of CUDA 13 (R580 or newer).
 */
public final class KernelImage {
    public static final String RESOURCE = "/modarch/kernels/modarch.fatbin";
    /** What the kernels need, in the words {@code modarch devices} prints. */
    public static final String REQUIREMENT =
            "nvcc 13 fatbin (sm_80..sm_100 + compute_80 PTX): needs driver R580+ (CUDA 13)";

    private KernelImage() {
    }

    /** The fatbin's bytes; a build without it is a {@link CudaException} naming the resource. */
    public static byte[] load() {
        try (InputStream in = KernelImage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new CudaException("the CUDA kernels " + RESOURCE + " are not in this build of modarch"
                        + " (they are compiled by nvcc 13 when the jar is built)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("cannot read the CUDA kernels " + RESOURCE + ": " + e.getMessage(), e);
        }
    }
}
