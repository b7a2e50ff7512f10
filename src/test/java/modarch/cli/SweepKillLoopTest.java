package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import modarch.io.Json;
import modarch.sweep.RunState;
import modarch.sweep.Sweep;
import modarch.sweep.SweepFile;
import modarch.sweep.SweepRun;
import modarch.sweep.SweepRunner;
import modarch.train.RunDirectory;
import modarch.train.TensorBoardPython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep killed with SIGKILL again and again (in each group's training, after a run was measured, and at random
 * moments: JVM start, resume, a checkpoint, wherever they land), then run to its end, gives the files of an
 * uninterrupted sweep, bit for bit, and no temporary file.
 */
class SweepKillLoopTest {
    @TempDir
    Path tmp;

    @Test
    void killedAgainAndAgainASweepEndsAsIfNeverKilled() throws Exception {
        Path file = tmp.resolve("tiny.yaml");
        Files.writeString(file, SweepCliTest.tinySweep("1e-3", 100).replace("seeds: 0..1", "seeds: 0..2"));
        Path whole = tmp.resolve("whole");
        assertEquals(0, CliTest.run("sweep", "run", file.toString(), "--out", whole.toString(), "--quiet").code());

        Path killed = tmp.resolve("killed");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "sweep", "run",
                file.toString(), "--out", killed.toString(), "--quiet"));
        Sweep sweep = SweepFile.load(file);
        Path group0 = sweep.groups().get(0).runs().get(0).dir(killed).file(RunDirectory.LOG);
        Path group1 = sweep.groups().get(1).runs().get(0).dir(killed).file(RunDirectory.LOG);
        // moments to kill at, in order: in group 0's training (twice), once its first run is measured, in group 1's
        // training (twice); before each, a kill at a random time (JVM start, resume, a checkpoint: wherever it lands)
        List<BooleanSupplier> moments = List.of(() -> lines(group0) >= 3, () -> lines(group0) >= 8,
                () -> anyMeasured(sweep, killed), () -> lines(group1) >= 3, () -> lines(group1) >= 8);
        Random clock = new Random(11);
        List<String> killedAt = new ArrayList<>();
        for (BooleanSupplier moment : moments) {
            for (BooleanSupplier when : List.of(randomTime(clock), moment)) {
                Process child = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(tmp.resolve("child-" + killedAt.size() + ".log").toFile()).start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (child.isAlive() && !when.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(2);
                Thread.sleep(clock.nextInt(30));
                if (!child.isAlive()) continue; // it got past the moment: the next one comes later in the sweep
                child.destroyForcibly().waitFor();
                killedAt.add(progress(sweep, killed));
            }
        }
        System.out.println("sweep kill loop: " + killedAt.size() + " kills; the runs' states after each: " + killedAt);
        assertTrue(killedAt.size() >= 5, "the sweep was killed at least 5 times (" + killedAt.size() + ")");
        assertTrue(killedAt.stream().anyMatch(s -> s.contains("COMPLETE")), "some kills came after a run was measured");

        CliTest.Result last = CliTest.run("sweep", "run", file.toString(), "--out", killed.toString(), "--quiet");
        assertEquals(0, last.code(), last.err());
        for (SweepRun run : sweep.runs()) assertEquals(RunState.COMPLETE, RunState.of(run, killed), run.name());
        Map<String, byte[]> expected = SweepCliTest.snapshot(whole);
        Map<String, byte[]> actual = SweepCliTest.snapshot(killed);
        assertEquals(expected.keySet(), actual.keySet(), "the same files (and no temporary one)");
        for (String name : expected.keySet()) {
            if (name.endsWith(SweepRunner.SWEEP_JSON) || name.endsWith(".lock")) continue; // timings; the lock owner
            if (name.endsWith("metrics.json")) {
                assertEquals(withoutSeconds(expected.get(name)), withoutSeconds(actual.get(name)), name);
            } else {
                assertArrayEquals(expected.get(name), actual.get(name), name);
            }
        }
        assertFalse(actual.keySet().stream().anyMatch(n -> n.contains(".tmp-")));
        // the event files the kills cut and the resumes restarted read as the runs' logs, no step twice
        TensorBoardPython.assumeInstalled();
        TensorBoardPython.check("read", killed.resolve("runs"));
    }

    /** How many runs of the killed sweep are in each state right after a kill, e.g. "{PARTIAL=3, COMPLETE=3}". */
    private static String progress(Sweep sweep, Path results) throws IOException {
        Map<RunState, Integer> counts = new EnumMap<>(RunState.class);
        for (SweepRun run : sweep.runs()) counts.merge(RunState.of(run, results), 1, Integer::sum);
        return counts.toString();
    }

    /** True once the child has run 200 to 1500 ms (a random moment from its start). */
    private static BooleanSupplier randomTime(Random clock) {
        long[] at = {0};
        int millis = 200 + clock.nextInt(1300);
        return () -> {
            if (at[0] == 0) at[0] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            return System.nanoTime() >= at[0];
        };
    }

    private static boolean anyMeasured(Sweep sweep, Path results) {
        return sweep.runs().stream().anyMatch(r -> Files.exists(r.dir(results).file(RunDirectory.METRICS)));
    }

    private static int lines(Path file) {
        try {
            return Files.readAllLines(file).size();
        } catch (IOException notYet) {
            return 0;
        }
    }

    private static ObjectNode withoutSeconds(byte[] metrics) throws java.io.IOException {
        ObjectNode node = (ObjectNode) Json.MAPPER.readTree(metrics);
        node.remove("seconds");
        return node;
    }
}
