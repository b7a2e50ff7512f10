package modarch.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import modarch.UserError;
import modarch.backend.Backends;
import modarch.io.IOFaults;
import modarch.sweep.ReplicaGroup;
import modarch.sweep.RunState;
import modarch.sweep.Sweep;
import modarch.sweep.SweepRun;
import modarch.sweep.SweepRunner;
import modarch.sweep.SweepStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Train and measure a sweep's runs here, replica groups side by side; complete runs are skipped and"
                + " interrupted ones resume, so the same command continues a sweep after any stop.")
final class SweepRunCommand implements Callable<Integer> {
    @CommandLine.Mixin
    SweepSource source;

    @CommandLine.Mixin
    DeviceOption device;

    @Option(names = "--group", paramLabel = "G", description = "run replica group G alone (0..groups-1; Slurm array tasks do this)")
    Integer group;

    @Option(names = "--workers", defaultValue = "1", description = "replica groups trained at once on each device of"
            + " --device, each on its own backend (default ${DEFAULT-VALUE}; on the CPU one group already spreads its"
            + " replicas over every core)")
    int workers;

    @Option(names = "--quiet", description = "no progress line (the runs' result lines are still printed)")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        Sweep sweep = source.sweep();
        Path results = source.results();
        if (workers < 1 || workers > 64) throw new UserError("--workers " + workers + " is not allowed: it must be in 1..64");
        List<ReplicaGroup> groups = sweep.groups();
        if (group != null) {
            if (group < 0 || group >= groups.size()) {
                throw new UserError("--group " + group + " is not allowed: " + source.file + " has groups 0.."
                        + (groups.size() - 1));
            }
            groups = List.of(groups.get(group));
        }
        List<Backends.Choice> opened = new ArrayList<>();
        try {
            // --device is checked (its devices opened) before anything is written or printed, so that its refusal
            // is the only line
            Backends.Choices first = device.selectEach();
            opened.addAll(first.each());
            createFolder(results);
            SweepStatus status = SweepStatus.of(sweep, results);
            List<SweepRun> runs = groups.stream().flatMap(g -> g.runs().stream()).toList();
            int done = (int) runs.stream().filter(r -> status.states().get(r).done()).count();
            List<ReplicaGroup> pending = status.pending(groups);
            for (int w = 1; w < (pending.isEmpty() ? 1 : workers); w++) opened.addAll(device.selectEach().each());
            System.err.printf("modarch: sweep %s: %d runs in %d replica groups, %d done; %d groups to run; results in %s%n",
                    sweep.name(), runs.size(), groups.size(), done, pending.size(), results);
            if (pending.isEmpty()) {
                summary(sweep, results, runs, 0);
                return 0;
            }
            DeviceOption.announce(first.reason());
            return train(sweep, results, runs, done, status, pending, opened);
        } finally {
            for (Backends.Choice worker : opened) worker.backend().close();
        }
    }

    private int train(Sweep sweep, Path results, List<SweepRun> runs, int done, SweepStatus status,
                      List<ReplicaGroup> pending, List<Backends.Choice> workers) throws IOException {
        long start = System.nanoTime();
        try (InterruptHint hint = InterruptHint.install(continueCommand(results))) {
            long stepsLeft = runs.stream().mapToLong(r -> Math.max(0, status.remainingIterations().get(r))).sum();
            SweepProgress progress = new SweepProgress(System.err, ProgressBar.mode(quiet,
                    Boolean.getBoolean("modarch.stderr.tty")), runs.size(), done, stepsLeft, runs.size() - done);
            SweepRunner.Outcome outcome = new SweepRunner(sweep, results, device.device, System.err::println)
                    .run(pending, workers, progress);
            progress.finish();
            summary(sweep, results, runs, (System.nanoTime() - start) / 1e9);
            if (outcome.finishedElsewhere() > 0) {
                System.err.println("modarch: " + outcome.finishedElsewhere() + " group(s) were finished by the other"
                        + " processes that held them");
            }
            return outcome.failed() == 0 ? 0 : Main.EXIT_ENVIRONMENT;
        }
    }

    private static void createFolder(Path results) throws IOException {
        try {
            Files.createDirectories(results);
        } catch (FileSystemException e) {
            throw new IOException("cannot create the results folder " + results + ": " + IOFaults.describe(e), e);
        }
    }

    /** The same command, to continue after an interruption. */
    private String continueCommand(Path results) {
        return InterruptHint.launcher() + " sweep run "
                + InterruptHint.shellQuote(source.file.toString()) + " --out " + InterruptHint.shellQuote(results.toString())
                + (group == null ? "" : " --group " + group);
    }

    private void summary(Sweep sweep, Path results, List<SweepRun> runs, double seconds) throws IOException {
        SweepStatus after = SweepStatus.of(sweep, results);
        long complete = runs.stream().filter(r -> after.states().get(r) == RunState.COMPLETE).count();
        long diverged = runs.stream().filter(r -> after.states().get(r) == RunState.DIVERGED).count();
        System.out.printf(Locale.ROOT, "sweep %s: %d of %d runs complete, %d diverged%s; results in %s%n", sweep.name(),
                complete, runs.size(), diverged, seconds > 0 ? " (this pass " + ProgressBar.formatDuration(seconds) + ")" : "",
                results);
        if (complete + diverged == runs.size() && group == null) {
            System.out.println("next: " + InterruptHint.launcher()
                    + " report " + InterruptHint.shellQuote(results.toString()));
        }
    }
}
