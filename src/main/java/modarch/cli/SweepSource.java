package modarch.cli;

import java.io.IOException;
import java.nio.file.Path;
import modarch.backend.Precision;
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

    /** Every run's precision in place of the file's (reproduce --precision), or null for the file's own. */
    Precision precision;

    private Sweep sweep;

    Sweep sweep() throws IOException {
        if (sweep == null) {
            Sweep inFile = SweepFile.load(file);
            sweep = precision == null ? inFile : inFile.withPrecision(precision);
        }
        return sweep;
    }

    Path results() throws IOException {
        return out != null ? out : Path.of("results", sweep().name());
    }
}
