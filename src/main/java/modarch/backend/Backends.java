package modarch.backend;

import java.util.List;
import modarch.UserError;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cuda.CudaBackend;
import modarch.backend.cuda.CudaDriver;
import modarch.backend.cuda.CudaException;
import modarch.backend.cuda.CudaProbe;
import modarch.backend.cuda.JCudaDriver;
import modarch.backend.cuda.emu.EmulatedDriver;
import modarch.backend.cuda.emu.Schedule;

/**
 * Picks the backend for a --device choice and says why, in one line. {@code auto}: a CUDA GPU when
 * {@link CudaProbe} finds one usable, else the Vector API CPU backend, else the scalar reference;
 * {@code cpu}: the CPU ones; {@code cuda} or {@code cuda:N}: GPU 0 or N, refused with the probe's reason when
 * there is none; {@code cuda-emulated}: the emulated CUDA device (the CUDA backend on the CPU, for tests).
 * {@code -Dmodarch.scalar=true} makes the CPU choice the scalar one.
 */
public final class Backends {
    public static final String SCALAR_PROPERTY = "modarch.scalar";
    /** The --device values, as the error for another one lists them. */
    public static final String ALLOWED = "auto, cpu, cuda, cuda:N (N a GPU index), cuda-emulated";
    private static final String VECTOR_BACKEND = "modarch.backend.cpu.VectorBackend";

    /** The chosen backend and the reason, for the user and config.json. */
    public record Choice(Backend backend, String reason) {
    }

    private Backends() {
    }

    public static Choice select(String device) {
        switch (device) {
            case "cpu":
                return cpu("--device cpu");
            case "auto":
                return auto();
            case "cuda-emulated":
                return cuda(emulatedDriver(), "--device cuda-emulated");
            default:
                if (device.equals("cuda") || device.startsWith("cuda:")) return cuda(gpuIndex(device), device);
                throw new UserError("--device '" + device + "' is not allowed: allowed are " + ALLOWED);
        }
    }

    /** The GPU when one is usable and its driver opens; else the CPU, saying why not CUDA. */
    private static Choice auto() {
        CudaProbe probe = CudaProbe.get();
        if (!probe.usable()) return cpu("no CUDA: " + probe.reason());
        JCudaDriver driver;
        try {
            driver = JCudaDriver.open(0);
        } catch (CudaException e) {
            return cpu("no CUDA: " + e.getMessage());
        }
        return cuda(driver, "--device auto");
    }

    /** The index of "cuda" (0) or "cuda:N", refused unless that GPU is there and usable. */
    private static int gpuIndex(String device) {
        int index;
        if (device.equals("cuda")) {
            index = 0;
        } else {
            String digits = device.substring("cuda:".length());
            if (!digits.matches("[0-9]{1,9}")) {
                throw new UserError("--device '" + device + "' is not allowed: cuda:N needs a GPU index N (0, 1, ...);"
                        + " allowed are " + ALLOWED);
            }
            index = Integer.parseInt(digits);
        }
        CudaProbe probe = CudaProbe.get();
        if (!probe.usable()) {
            throw new UserError("--device " + device + " needs a usable CUDA GPU: " + probe.reason()
                    + "; use --device cpu or auto");
        }
        int count = probe.devices().size();
        if (index >= count) {
            throw new UserError("--device " + device + ": there is no GPU " + index + "; this machine has " + count
                    + " (cuda:0" + (count > 1 ? "..cuda:" + (count - 1) : "") + ")");
        }
        return index;
    }

    private static Choice cuda(int index, String why) {
        return cuda(JCudaDriver.open(index), why);
    }

    private static Choice cuda(CudaDriver driver, String why) {
        Backend backend;
        try {
            backend = new CudaBackend(driver, driver instanceof EmulatedDriver ? "cuda-emulated" : "cuda");
        } catch (RuntimeException | Error e) {
            driver.close();
            throw e;
        }
        return new Choice(backend, "backend " + backend.name() + " (" + driver.describe() + "; " + why + ")");
    }

    /** The emulated device; its native library failing to load is an environment failure, said in one line. */
    private static CudaDriver emulatedDriver() {
        try {
            return new EmulatedDriver(Schedule.FORWARD);
        } catch (LinkageError e) {
            throw new CudaException("the emulated CUDA device's native library (libmodarch_emu with its JNI glue) did not"
                    + " load: " + e.getMessage());
        }
    }

    /** The CPU backend: the Vector API one unless it is unavailable or the scalar one is forced. */
    private static Choice cpu(String why) {
        if (Boolean.getBoolean(SCALAR_PROPERTY)) {
            return new Choice(new ScalarBackend(), "backend cpu-scalar (" + why + "; -D" + SCALAR_PROPERTY + "=true)");
        }
        try {
            // loaded by name: the class needs the jdk.incubator.vector module, which may be absent
            Backend vector = (Backend) Class.forName(VECTOR_BACKEND).getDeclaredConstructor().newInstance();
            return new Choice(vector, "backend " + vector.name() + " (" + why + "; Vector API available)");
        } catch (Throwable unavailable) {
            return new Choice(new ScalarBackend(), "backend cpu-scalar (" + why + "; Vector API unavailable: "
                    + unavailable + ")");
        }
    }

    /**
     * The CPU backends for {@code modarch devices}, one line each: cpu-vector with its threads and vector width
     * (or why it is unavailable), and cpu-scalar.
     */
    public static List<String> cpuBackends() {
        String vector;
        try {
            Class<?> type = Class.forName(VECTOR_BACKEND);
            vector = "cpu-vector: " + Runtime.getRuntime().availableProcessors() + " threads, "
                    + type.getMethod("species").invoke(null);
        } catch (Throwable unavailable) {
            vector = "cpu-vector: unavailable (" + unavailable + "; the launcher adds --add-modules=jdk.incubator.vector)";
        }
        return List.of(vector, "cpu-scalar: 1 thread, the reference every backend agrees with");
    }

    /** The emulated device's line for {@code modarch devices}. */
    public static String emulatedDevice() {
        return "cuda-emulated: the CUDA backend's kernels compiled for the CPU (--device cuda-emulated; slow, for tests"
                + " and debugging)";
    }
}
