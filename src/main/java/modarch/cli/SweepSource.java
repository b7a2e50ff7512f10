package modarch.cli;

import java.io.IOException;
import java.nio.file.Path;
import modarch.sweep.Sweep;
import modarch.sweep.SweepFile;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The sweep file and results folder every `sweep` command takes. */
final class SweepSource {
    @Parameters(index = "0", paramLabel = "FILE", description = "a sweep file (YAML; see sweeps/*.yaml)")
    Path file;

    @Option(names = "--out", description = "results folder (default: results/NAME, NAME the sweep's name)")
    Path out;

    private Sweep sweep;

    Sweep sweep() throws IOException {
        if (sweep == null) sweep = SweepFile.load(file);
        return sweep;
    }

    Path results() throws IOException {
        return out != null ? out : Path.of("results", sweep().name());
    }
}
