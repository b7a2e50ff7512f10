package modarch.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import modarch.backend.Backends;
import modarch.io.Json;
import modarch.train.Capacity;
import modarch.sweep.ReplicaGroup;
import modarch.sweep.RunState;
import modarch.sweep.Sweep;
import modarch.sweep.SweepRun;
import modarch.sweep.SweepStatus;
import modarch.sweep.TimingProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "How many runs and replica groups a sweep file expands to, how many are complete in its results"
                + " folder, and an estimated time from a short timing probe on this machine's backend.")
final class SweepPlanCommand implements Callable<Integer> {
    @CommandLine.Mixin
    SweepSource source;

    @CommandLine.Mixin
    DeviceOption device;

    @Option(names = "--json", description = "print the plan as JSON on stdout")
    boolean json;

    @Option(names = "--no-probe", description = "skip the timing probe (no estimate)")
    boolean noProbe;

    @Override
    public Integer call() throws IOException {
        Sweep sweep = source.sweep();
        Path results = source.results();
        SweepStatus status = SweepStatus.of(sweep, results);
        List<ReplicaGroup> pending = status.pending(sweep.groups());
        Double estimate = null;
        String backendName = null;
        if (!noProbe && !pending.isEmpty()) {
            Backends.Choice choice = device.select();
            DeviceOption.announce(choice);
            backendName = choice.backend().name();
            long start = System.nanoTime();
            TimingProbe probe = new TimingProbe(choice.backend());
            probe.probe(pending);
            estimate = probe.estimate(pending, status.remainingIterations(), sweep.counts());
            System.err.printf(Locale.ROOT, "modarch: timing probe: %.1f s%n", (System.nanoTime() - start) / 1e9);
            choice.backend().close();
        }
        Map<RunState, Integer> counts = status.counts();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("sweep", sweep.name());
            out.put("file", source.file.toString());
            out.put("results", results.toString());
            out.put("runs", sweep.runs().size());
            out.put("groups", sweep.groups().size());
            out.put("complete", counts.get(RunState.COMPLETE));
            out.put("diverged", counts.get(RunState.DIVERGED));
            out.put("trained", counts.get(RunState.TRAINED));
            out.put("partial", counts.get(RunState.PARTIAL));
            out.put("new", counts.get(RunState.NEW));
            out.put("pending_groups", pending.size());
            out.put("backend", backendName);
            out.put("estimated_seconds", estimate);
            System.out.println(Json.PRETTY.writeValueAsString(out));
            return 0;
        }
        System.out.printf("sweep %s (%s): %d runs in %d replica groups (at most %d runs each)%n", sweep.name(),
                source.file, sweep.runs().size(), sweep.groups().size(), sweep.groupSize());
        for (String line : byTask(sweep)) System.out.println("  " + line);
        System.out.printf("results in %s: %d complete, %d diverged, %d trained (to measure), %d started, %d new%n",
                results, counts.get(RunState.COMPLETE), counts.get(RunState.DIVERGED), counts.get(RunState.TRAINED),
                counts.get(RunState.PARTIAL), counts.get(RunState.NEW));
        if (estimate != null) {
            System.out.printf("estimated time left on %s: %s for %d groups (%d training steps, then evaluation)%n",
                    backendName, ProgressBar.formatDuration(estimate), pending.size(), status.stepsLeft());
        }
        String file = InterruptHint.shellQuote(source.file.toString());
        String launcher = InterruptHint.launcher();
        String out = source.out == null ? "" : " --out " + InterruptHint.shellQuote(results.toString());
        System.out.println("run it here:  " + launcher + " sweep run " + file + out);
        System.out.println("on Slurm:     " + launcher + " sweep slurm " + file + out + " --partition P");
        return 0;
    }

    /** One line per task: its runs and the values each dimension takes. */
    private static List<String> byTask(Sweep sweep) {
        Map<String, List<SweepRun>> tasks = new LinkedHashMap<>();
        for (SweepRun run : sweep.runs()) {
            tasks.computeIfAbsent(run.config().task().cliName(), t -> new ArrayList<>()).add(run);
        }
        return tasks.entrySet().stream().map(e -> {
            List<SweepRun> runs = e.getValue();
            return e.getKey() + ": " + runs.size() + " runs; kinds " + values(runs, r -> r.config().model().cliName())
                    + "; rules " + values(runs, r -> r.config().rules()) + "; capacities "
                    + values(runs, r -> Capacity.of(r.config()))
                    + "; data seeds " + values(runs, r -> r.config().dataSeed()) + "; seeds "
                    + values(runs, r -> r.config().seed()) + "; " + values(runs, r -> r.config().iterations())
                    + " iterations";
        }).toList();
    }

    private static <T> String values(List<SweepRun> runs, Function<SweepRun, T> value) {
        List<String> seen = new ArrayList<>();
        for (SweepRun run : runs) {
            String v = String.valueOf(value.apply(run));
            if (!seen.contains(v)) seen.add(v);
        }
        return String.join(", ", seen);
    }
}
