package modarch.backend.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;

/**
 * Whether this machine can run modarch's CUDA kernels, and if not why, in one phrase: looked at once per JVM
 * ({@link #get}) since JCuda's classes cannot be loaded a second time after a failure. Never throws, and gives up
 * after {@link #TIMEOUT_SECONDS} if the driver does not answer. Usable means: JCuda's native library loads (it
 * needs libcuda.so.1, the NVIDIA driver), cuInit succeeds, there is at least one device, and the driver supports
 * CUDA 13.0 or newer (nvcc 13 builds the kernels: PTX 9.0, driver R580+).
 */
public final class CudaProbe {
    /** cuDriverGetVersion's value for CUDA 13.0, the oldest that runs nvcc 13's kernels. */
    public static final int REQUIRED_DRIVER_VERSION = 13000;
    static final int TIMEOUT_SECONDS = 30;
    private static final Path NVIDIA_VERSION_FILE = Path.of("/proc/driver/nvidia/version");

    private final String reason;
    private final int driverVersion;
    private final List<Device> devices;

    private CudaProbe(String reason, int driverVersion, List<Device> devices) {
        this.reason = reason;
        this.driverVersion = driverVersion;
        this.devices = List.copyOf(devices);
    }

    /** The result for this JVM, probed on the first call. */
    public static CudaProbe get() {
        return Holder.PROBE;
    }

    private static final class Holder {
        static final CudaProbe PROBE = probeWithTimeout();
    }

    /** Whether a CUDA device can run the kernels. */
    public boolean usable() {
        return reason == null;
    }

    /** Why CUDA is not usable, e.g. "libcuda.so.1 not found (no NVIDIA driver on this machine)"; null when usable. */
    public String reason() {
        return reason;
    }

    /** The devices the driver lists (also when its version is too old); empty when it lists none. */
    public List<Device> devices() {
        return devices;
    }

    /** cuDriverGetVersion, e.g. 13000 for CUDA 13.0; 0 when the driver could not be asked. */
    public int driverVersion() {
        return driverVersion;
    }

    /** A CUDA version number as "13.0". */
    public static String cudaVersion(int version) {
        return version / 1000 + "." + version % 1000 / 10;
    }

    /** The NVIDIA kernel module's release, e.g. "580.159.04", when this is Linux with the driver loaded. */
    public static Optional<String> driverRelease() {
        try {
            Matcher m = Pattern.compile("Kernel Module\\s+(?:for \\S+\\s+)?([0-9][0-9.]+)")
                    .matcher(Files.readString(NVIDIA_VERSION_FILE, StandardCharsets.UTF_8));
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        } catch (IOException | RuntimeException absent) {
            return Optional.empty();
        }
    }

    /** One GPU as the driver describes it. */
    public record Device(int index, String name, long totalMemory, int major, int minor) {
        static Device of(int index, CUdevice device) {
            byte[] name = new byte[256];
            cuDeviceGetName(name, name.length, device);
            int length = 0;
            while (length < name.length && name[length] != 0) length++;
            long[] memory = new long[1];
            cuDeviceTotalMem(memory, device);
            int[] major = new int[1];
            int[] minor = new int[1];
            cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
            cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
            return new Device(index, new String(name, 0, length, StandardCharsets.UTF_8), memory[0], major[0], minor[0]);
        }

        /** E.g. "NVIDIA H100 80GB HBM3 (sm_90, 79 GiB)". */
        public String describe() {
            return name + " (sm_" + major + minor + ", " + ByteSize.of(totalMemory) + ")";
        }
    }

    /** Probes on a daemon thread, so that a driver that hangs leaves modarch a reason instead of a hang. */
    private static CudaProbe probeWithTimeout() {
        FutureTask<CudaProbe> task = new FutureTask<>(CudaProbe::probe);
        Thread thread = new Thread(task, "modarch-cuda-probe");
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return new CudaProbe("the CUDA driver did not answer cuInit within " + TIMEOUT_SECONDS + " s", 0, List.of());
        } catch (ExecutionException e) {
            return new CudaProbe("probing CUDA failed: " + e.getCause(), 0, List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CudaProbe("probing CUDA was interrupted", 0, List.of());
        }
    }

    private static CudaProbe probe() {
        try {
            Cu.throwOnError();
        } catch (LinkageError noLibrary) {
            return new CudaProbe(unloadable(noLibrary), 0, List.of());
        }
        int[] version = new int[1];
        String call = "cuDriverGetVersion";
        List<Device> devices = new ArrayList<>();
        try {
            cuDriverGetVersion(version);
            call = "cuInit";
            cuInit(0);
            call = "cuDeviceGetCount";
            int[] count = new int[1];
            cuDeviceGetCount(count);
            call = "cuDeviceGet";
            for (int i = 0; i < count[0]; i++) {
                CUdevice device = new CUdevice();
                cuDeviceGet(device, i);
                devices.add(Device.of(i, device));
            }
        } catch (jcuda.CudaException e) {
            return new CudaProbe(Cu.failed(call, e).getMessage(), version[0], devices);
        } catch (LinkageError e) {
            return new CudaProbe(unloadable(e), version[0], devices);
        }
        if (devices.isEmpty()) return new CudaProbe("the CUDA driver lists no GPU", version[0], devices);
        if (version[0] < REQUIRED_DRIVER_VERSION) {
            return new CudaProbe("driver supports CUDA " + cudaVersion(version[0]) + "; modarch's kernels need CUDA "
                    + cudaVersion(REQUIRED_DRIVER_VERSION) + " (driver R580 or newer)", version[0], devices);
        }
        return new CudaProbe(null, version[0], devices);
    }

    /** Why JCuda's native library did not load: most often the NVIDIA driver's libcuda.so.1 is absent. */
    private static String unloadable(LinkageError error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("libcuda.so")) return "libcuda.so.1 not found (no NVIDIA driver on this machine)";
        }
        String message = String.valueOf(error.getMessage()).lines().findFirst().orElse("");
        return "JCuda's native library cannot be loaded: " + error.getClass().getSimpleName() + ": " + message;
    }
}
