package modarch.backend.cuda;

import java.util.EnumMap;
import java.util.Map;

/** The handles of every kernel {@link CudaBackend} launches, looked up once by their {@code extern "C"} names. */
final class KernelSet {
    private final Map<KernelName, CudaDriver.Kernel> handles = new EnumMap<>(KernelName.class);

    KernelSet(CudaDriver driver) {
        for (KernelName name : KernelName.values()) handles.put(name, driver.kernel(name.symbol()));
    }

    CudaDriver.Kernel of(KernelName name) {
        return handles.get(name);
    }
}
