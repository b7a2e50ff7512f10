package modarch.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import modarch.backend.Backends;
import modarch.backend.cuda.ByteSize;
import modarch.backend.cuda.CudaProbe;
import modarch.backend.cuda.KernelImage;
import picocli.CommandLine.Command;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List what --device can choose here: the CUDA GPUs (or why there is none), the CPU backends "
                + "and the emulated CUDA device, and what the CUDA kernels need.")
final class DevicesCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        print(System.out, CudaProbe.get());
        return 0;
    }

    static void print(PrintStream out, CudaProbe probe) {
        String driver = probe.driverVersion() == 0 ? "" : "driver " + CudaProbe.driverRelease().orElse("(release unknown)")
                + ", supports CUDA " + CudaProbe.cudaVersion(probe.driverVersion());
        for (CudaProbe.Device d : probe.devices()) {
            out.printf("cuda:%d: %s, %s, compute capability %d.%d (sm_%d%d), %s%n", d.index(), d.name(),
                    ByteSize.of(d.totalMemory()), d.major(), d.minor(), d.major(), d.minor(), driver);
        }
        if (!probe.usable()) {
            out.println((probe.devices().isEmpty() ? "cuda: no GPU: " : "cuda: not usable: ") + probe.reason());
        }
        for (String line : Backends.cpuBackends()) out.println(line);
        out.println(Backends.emulatedDevice());
        out.println("kernels: " + KernelImage.REQUIREMENT);
    }
}
