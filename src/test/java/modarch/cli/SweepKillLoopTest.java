package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import modarch.io.Json;
import modarch.sweep.RunState;
import modarch.sweep.Sweep;
import modarch.sweep.SweepFile;
import modarch.sweep.SweepRun;
import modarch.sweep.SweepRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep killed with SIGKILL again and again (in training, in a checkpoint, in a measurement: wherever the clock
 * lands), then run to its end, gives the files of an uninterrupted sweep, bit for bit, and no temporary file.
 */
class SweepKillLoopTest {
    /** A bound for a machine so slow that no child gets anywhere; the delays grow, so the sweep ends long before. */
    private static final int MAX_KILLS = 60;

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
        Random clock = new Random(11);
        int kills = 0;
        List<String> killedAt = new ArrayList<>();
        while (kills < MAX_KILLS) {
            Process child = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("child-" + kills + ".log").toFile()).start();
            long delayMillis = 500 + clock.nextInt(3000) + 100L * kills; // each child gets a little further
            if (child.waitFor(delayMillis, TimeUnit.MILLISECONDS)) break; // it finished first
            child.destroyForcibly().waitFor();
            kills++;
            killedAt.add(progress(file, killed));
        }
        System.out.println("sweep kill loop: " + kills + " kills; the runs' states after each: " + killedAt);
        assertTrue(kills >= 3, "the sweep was killed at least 3 times (" + kills + ")");
        assertTrue(killedAt.stream().anyMatch(s -> s.contains("COMPLETE")), "some kills came after a run was measured");

        CliTest.Result last = CliTest.run("sweep", "run", file.toString(), "--out", killed.toString(), "--quiet");
        assertEquals(0, last.code(), last.err());
        Sweep sweep = SweepFile.load(file);
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
    }

    /** How many runs of the killed sweep are in each state right after a kill, e.g. "{PARTIAL=3, COMPLETE=3}". */
    private static String progress(Path file, Path results) throws Exception {
        Map<RunState, Integer> counts = new java.util.EnumMap<>(RunState.class);
        for (SweepRun run : SweepFile.load(file).runs()) counts.merge(RunState.of(run, results), 1, Integer::sum);
        return counts.toString();
    }

    private static ObjectNode withoutSeconds(byte[] metrics) throws java.io.IOException {
        ObjectNode node = (ObjectNode) Json.MAPPER.readTree(metrics);
        node.remove("seconds");
        return node;
    }
}
