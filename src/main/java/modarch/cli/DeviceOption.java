package modarch.cli;

import modarch.backend.Backends;
import picocli.CommandLine.Option;

/** The --device option of every command that computes, and the one line that says which backend runs and why. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", description = "auto | cpu (default ${DEFAULT-VALUE})")
    String device;

    /** The backend for --device, announced on stderr. */
    Backends.Choice select() {
        Backends.Choice choice = Backends.select(device);
        System.err.println("modarch: " + choice.reason());
        return choice;
    }
}
