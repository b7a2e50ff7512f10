package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import modarch.io.tensorboard.EventWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The concurrent-start race of issue 7: two trainings with different --seed started at once into the same new
 * --out, as separate processes, many times. Exactly one may succeed; the other exits 2 with one line naming the
 * holder of the run or the non-empty directory; the run left is wholly the winner's (every file equal to a run
 * of the winner's seed trained alone).
 */
class ConcurrentStartTest {
    private static final int TRIALS = 8;
    private static final String[] RUN_FILES = {"config.json", "log.jsonl", "model_best.safetensors", "model_last.safetensors",
        "training_state.safetensors", "training_state.previous.safetensors"};

    @TempDir
    Path tmp;

    private static List<String> trainArgs(Path out, long seed) {
        return List.of("train", "--task", "mlp-regression", "--model", "modular", "--rules", "2", "--enc-dim", "8",
                "--dim", "16", "--batch-size", "16", "--iterations", "20", "--eval-every", "10", "--quiet",
                "--seed", Long.toString(seed), "--out", out.toString());
    }

    private Process start(Path out, long seed, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(trainArgs(out, seed));
        return new ProcessBuilder(command).redirectOutput(log.resolveSibling(log.getFileName() + ".out").toFile())
                .redirectError(log.toFile()).start();
    }

    @Test
    void twoTrainingsIntoOneNewDirectoryNeverMix() throws Exception {
        Path[] reference = new Path[3];
        for (int seed = 1; seed <= 2; seed++) {
            reference[seed] = tmp.resolve("reference" + seed);
            CliTest.Result alone = CliTest.run(trainArgs(reference[seed], seed).toArray(String[]::new));
            assertEquals(0, alone.code(), alone.err());
        }
        int[] wins = new int[3];
        for (int trial = 0; trial < TRIALS; trial++) {
            Path dir = tmp.resolve("trial" + trial);
            Files.createDirectories(dir);
            Path out = dir.resolve("run");
            Process[] processes = new Process[3];
            // alternate which one starts first
            for (int i = 0; i < 2; i++) {
                int seed = (trial + i) % 2 + 1;
                processes[seed] = start(out, seed, dir.resolve("seed" + seed + ".err"));
            }
            int[] codes = new int[3];
            for (int seed = 1; seed <= 2; seed++) {
                assertTrue(processes[seed].waitFor(60, TimeUnit.SECONDS), "trial " + trial + ": seed " + seed + " did not finish");
                codes[seed] = processes[seed].exitValue();
            }
            String report = "trial " + trial + ": exit codes " + codes[1] + ", " + codes[2] + "\nseed 1: "
                    + Files.readString(dir.resolve("seed1.err")) + "seed 2: " + Files.readString(dir.resolve("seed2.err"));
            int winner = codes[1] == 0 ? 1 : 2;
            int loser = 3 - winner;
            assertEquals(0, codes[winner], report);
            assertEquals(2, codes[loser], "exactly one succeeds: " + report);
            wins[winner]++;

            List<String> lines = errorLines(dir.resolve("seed" + loser + ".err"));
            assertEquals(1, lines.size(), "the loser prints one line: " + report);
            String line = lines.get(0);
            assertTrue(line.startsWith("modarch: error: ") && line.contains(out.toString()), report);
            assertTrue(line.contains("is in use by pid " + processes[winner].pid())
                    || line.contains("already exists and is not empty") || line.contains("is no longer empty"),
                    "the loser names the holder or the non-empty directory: " + report);
            assertEquals("", Files.readString(dir.resolve("seed" + loser + ".err.out")), report);

            for (String file : RUN_FILES) {
                assertArrayEquals(Files.readAllBytes(reference[winner].resolve(file)), Files.readAllBytes(out.resolve(file)),
                        "trial " + trial + ": " + file + " is the run of seed " + winner + " alone");
            }
            Set<String> expected = new TreeSet<>(List.of(RUN_FILES));
            expected.add(".lock");
            try (Stream<Path> entries = Files.list(out)) {
                Set<String> names = entries.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
                assertEquals(1, names.stream().filter(n -> n.startsWith(EventWriter.FILE_PREFIX)).count(),
                        "the winner's TensorBoard event file alone: " + report);
                names.removeIf(n -> n.startsWith(EventWriter.FILE_PREFIX));
                assertEquals(expected, names, "only the winner's files: " + report);
            }
        }
        System.out.println("ConcurrentStartTest: " + TRIALS + " trials, seed 1 won " + wins[1] + ", seed 2 won " + wins[2]);
    }

    /** stderr lines other than the JVM's incubator warning (the launcher drops it). */
    private static List<String> errorLines(Path err) throws IOException {
        return Files.readAllLines(err).stream().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
    }
}
