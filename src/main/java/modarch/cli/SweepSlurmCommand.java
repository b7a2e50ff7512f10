package modarch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import modarch.UserError;
import modarch.io.AtomicFiles;
import modarch.sweep.Sweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "slurm", mixinStandardHelpOptions = true,
        description = "Write a Slurm job array for a sweep (one array task per replica group, all into one shared"
                + " results folder) and print how to submit it.")
final class SweepSlurmCommand implements Callable<Integer> {
    @CommandLine.Mixin
    SweepSource source;

    @Option(names = "--partition", required = true, description = "the Slurm partition")
    String partition;

    @Option(names = "--time", description = "time limit per array task, e.g. 04:00:00 (default: the partition's)")
    String time;

    @Option(names = "--account", description = "the Slurm account to charge")
    String account;

    @Option(names = "--gpus-per-task", description = "GPUs per array task (default: none, the CPU backend)")
    Integer gpusPerTask;

    @Option(names = "--cpus-per-task", defaultValue = "2", description = "CPU cores per array task (default ${DEFAULT-VALUE})")
    int cpusPerTask;

    @Option(names = "--mem", description = "memory per array task, e.g. 8G (default: the partition's)")
    String memory;

    @Option(names = "--max-parallel", description = "array tasks running at once (default: as many as Slurm allows)")
    Integer maxParallel;

    @Override
    public Integer call() throws IOException {
        Sweep sweep = source.sweep();
        Path results = source.results().toAbsolutePath().normalize();
        SlurmScript slurm = new SlurmScript("modarch-" + sweep.name(), sweep.groups().size(), partition, time, account,
                gpusPerTask, cpusPerTask, memory, maxParallel, launcher(), results);
        Path copy = slurm.sweepFile();
        String text = Files.readString(source.file);
        if (Files.exists(copy) && !Files.readString(copy).equals(text)) {
            throw new UserError(copy + " holds another sweep file than " + source.file + ": a results folder holds one sweep"
                    + " (its array task ids are its groups); choose another --out");
        }
        Path script = slurm.file();
        Files.createDirectories(script.getParent());
        if (!Files.exists(copy)) AtomicFiles.writeString(copy, text);
        AtomicFiles.writeString(script, slurm.text());
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.out.printf("wrote %s: a job array of %d tasks, one per replica group (%d runs), into %s%n", script,
                sweep.groups().size(), sweep.runs().size(), results);
        System.out.println("submit with:  sbatch " + script);
        System.out.println("progress:     " + InterruptHint.shellQuote(launcher()) + " sweep plan " + copy + " --out " + results
                + " --no-probe");
        System.out.println("when done:    " + InterruptHint.shellQuote(launcher()) + " report " + results);
        return 0;
    }

    /** The launcher as an absolute path (array tasks start elsewhere), or "modarch" when run without it. */
    private static String launcher() {
        String given = System.getProperty("modarch.launcher");
        if (given == null) return "modarch";
        return given.contains("/") ? Path.of(given).toAbsolutePath().normalize().toString() : given;
    }
}
