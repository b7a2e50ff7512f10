package modarch.sweep;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import modarch.train.RunDirectory;

/** Every run's {@link RunState} in a results folder, and what is left to do. */
public record SweepStatus(Map<SweepRun, RunState> states, Map<SweepRun, Long> remainingIterations) {

    public static SweepStatus of(Sweep sweep, Path results) throws IOException {
        Map<SweepRun, RunState> states = new LinkedHashMap<>();
        Map<SweepRun, Long> remaining = new LinkedHashMap<>();
        for (SweepRun run : sweep.runs()) {
            RunState state = RunState.of(run, results);
            states.put(run, state);
            long iterations = run.config().iterations();
            long left = switch (state) {
                case NEW -> iterations;
                case PARTIAL -> iterations - Math.max(0, lastLogged(run.dir(results)));
                case TRAINED -> 0;
                case COMPLETE, DIVERGED -> -1; // nothing at all: not even measuring
            };
            remaining.put(run, left);
        }
        return new SweepStatus(states, remaining);
    }

    private static long lastLogged(RunDirectory dir) {
        try {
            return dir.lastLoggedIteration();
        } catch (IOException | RuntimeException unreadable) {
            return 0;
        }
    }

    public Map<RunState, Integer> counts() {
        Map<RunState, Integer> counts = new EnumMap<>(RunState.class);
        for (RunState s : RunState.values()) counts.put(s, 0);
        for (RunState s : states.values()) counts.merge(s, 1, Integer::sum);
        return counts;
    }

    public int done() {
        return (int) states.values().stream().filter(RunState::done).count();
    }

    /** Training steps still to make, summed over runs. */
    public long stepsLeft() {
        return remainingIterations.values().stream().mapToLong(v -> Math.max(0, v)).sum();
    }

    /** The groups with a run that is not done. */
    public List<ReplicaGroup> pending(List<ReplicaGroup> groups) {
        return groups.stream().filter(g -> g.runs().stream().anyMatch(r -> !states.get(r).done())).toList();
    }
}
