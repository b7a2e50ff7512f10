package modarch.cli;

import modarch.backend.Backends;
import picocli.CommandLine.Option;

/** The --device option of every command that computes, and the one line that says which backend runs and why. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", description = "auto | cpu | cuda | cuda:N | cuda-emulated[:N]"
            + " (default ${DEFAULT-VALUE}: a usable CUDA GPU, else the CPU; `modarch devices` lists them);"
            + " sweep run, reproduce and train --seeds also take several: cuda:all, cuda:0,2,3, cuda-emulated:all")
    String device;

    /**
     * The backend for --device, not yet announced: a command announces it ({@link #announce}) once its input is
     * checked and the work starts, so that a command refused for bad input prints its one error line alone.
     */
    Backends.Choice select() {
        return Backends.select(device);
    }

    /** A backend per device --device names (see {@link #select} for when to announce them). */
    Backends.Choices selectEach() {
        return Backends.selectEach(device);
    }

    /** Says on stderr which backend runs and why. */
    static void announce(Backends.Choice choice) {
        announce(choice.reason());
    }

    static void announce(String reason) {
        System.err.println("modarch: " + reason);
    }
}
