package modarch.backend;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
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
 * there is none; {@code cuda-emulated} or {@code cuda-emulated:N}: an emulated CUDA device (the CUDA backend on the
 * CPU, for tests), each with memory of its own. A list ({@code cuda:0,2}, {@code cuda:all}, the same for
 * cuda-emulated: {@link DeviceList}) opens one backend per device ({@link #selectEach}).
 * {@code -Dmodarch.scalar=true} makes the CPU choice the scalar one.
 */
public final class Backends {
    public static final String SCALAR_PROPERTY = "modarch.scalar";
    /** The --device values, as the error for another one lists them. */
    public static final String ALLOWED = "auto, cpu, cuda, cuda:N (N a GPU index), cuda:I,J,... (several GPUs),"
            + " cuda:all, cuda-emulated, and cuda-emulated:N, :I,J,... or :all (-D" + DeviceList.EMULATED_DEVICES_PROPERTY
            + " emulated devices)";
    private static final String VECTOR_BACKEND = "modarch.backend.cpu.VectorBackend";

    /** The chosen backend, the one device it runs on (a --device value) and the reason, for the user and config.json. */
    public record Choice(Backend backend, String device, String reason) {
    }

    /** The backends of every device a --device names, in its order, and one line that says which and why. */
    public record Choices(List<Choice> each, String reason) {
        public List<Backend> backends() {
            return each.stream().map(Choice::backend).toList();
        }
    }

    private Backends() {
    }

    /** The backend of a --device that names one device; a list of several is refused (this command runs on one). */
    public static Choice select(String device) {
        switch (device) {
            case "cpu":
                return cpu("--device cpu");
            case "auto":
                return auto();
            default:
                DeviceList list = devices(device);
                if (list.indices().size() != 1) {
                    throw new UserError("--device " + device + " names " + list.indices().size() + " devices, but this"
                            + " command runs on one: give " + list.kind() + " or " + list.kind() + ":N");
                }
                return open(list, 0, device);
        }
    }

    /**
     * One backend per device that device names (one for auto, cpu and single devices), all checked before any is
     * opened; if one fails to open, those opened are closed.
     */
    public static Choices selectEach(String device) {
        if (!DeviceList.names(device)) {
            Choice one = select(device);
            return new Choices(List.of(one), one.reason());
        }
        DeviceList list = devices(device);
        if (list.indices().size() == 1) {
            Choice one = open(list, 0, device);
            return new Choices(List.of(one), one.reason());
        }
        List<Choice> each = new ArrayList<>();
        Set<String> described = new LinkedHashSet<>();
        try {
            for (int i = 0; i < list.indices().size(); i++) {
                CudaDriver driver = driver(list, i);
                described.add(driver.describe());
                each.add(cuda(driver, list.device(i), "--device " + device));
            }
        } catch (RuntimeException | Error e) {
            for (Choice c : each) c.backend().close();
            throw e;
        }
        return new Choices(each, "backend " + each.get(0).backend().name() + " on " + each.size() + " devices, "
                + list.kind() + ":" + list.indices().stream().map(String::valueOf).collect(Collectors.joining(","))
                + " (" + String.join("; ", described) + "; --device " + device + ")");
    }

    /** The devices of a cuda or cuda-emulated --device, checked (their count asked only once the syntax is right). */
    private static DeviceList devices(String device) {
        return DeviceList.parse(device, () -> device.startsWith(DeviceList.EMULATED) ? DeviceList.emulatedCount()
                : gpuCount(device));
    }

    /** Device i of list, why being the --device its reason line names. */
    private static Choice open(DeviceList list, int i, String why) {
        boolean emulated = list.kind().equals(DeviceList.EMULATED);
        return cuda(driver(list, i), list.device(i), emulated ? "--device " + why : why);
    }

    /** The driver of device i of list. */
    private static CudaDriver driver(DeviceList list, int i) {
        return list.kind().equals(DeviceList.EMULATED) ? emulatedDriver() : JCudaDriver.open(list.indices().get(i));
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
        return cuda(driver, DeviceList.CUDA + ":0", "--device auto");
    }

    /** How many GPUs there are, refused unless CUDA is usable. */
    private static int gpuCount(String device) {
        CudaProbe probe = CudaProbe.get();
        if (!probe.usable()) {
            throw new UserError("--device " + device + " needs a usable CUDA GPU: " + probe.reason()
                    + "; use --device cpu or auto");
        }
        return probe.devices().size();
    }

    private static Choice cuda(CudaDriver driver, String device, String why) {
        Backend backend;
        try {
            backend = new CudaBackend(driver, driver instanceof EmulatedDriver ? "cuda-emulated" : "cuda");
        } catch (RuntimeException | Error e) {
            driver.close();
            throw e;
        }
        return new Choice(backend, device, "backend " + backend.name() + " (" + driver.describe() + "; " + why + ")");
    }

    /** An emulated device; its native library failing to load is an environment failure, said in one line. */
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
            return new Choice(new ScalarBackend(), "cpu", "backend cpu-scalar (" + why + "; -D" + SCALAR_PROPERTY
                    + "=true)");
        }
        try {
            // loaded by name: the class needs the jdk.incubator.vector module, which may be absent
            Backend vector = (Backend) Class.forName(VECTOR_BACKEND).getDeclaredConstructor().newInstance();
            return new Choice(vector, "cpu", "backend " + vector.name() + " (" + why + "; Vector API available)");
        } catch (Throwable unavailable) {
            return new Choice(new ScalarBackend(), "cpu", "backend cpu-scalar (" + why + "; Vector API unavailable: "
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
        int count = DeviceList.emulatedCount();
        return "cuda-emulated: the CUDA backend's kernels compiled for the CPU, " + count
                + (count == 1 ? " device" : " devices") + " (-D" + DeviceList.EMULATED_DEVICES_PROPERTY
                + "; --device cuda-emulated, cuda-emulated:all; slow, for tests and debugging)";
    }
}
