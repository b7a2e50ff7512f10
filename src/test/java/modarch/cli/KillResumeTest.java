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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `modarch train` killed with SIGKILL mid-run, then resumed, ends bit-identical to an uninterrupted run. */
class KillResumeTest {
    @TempDir
    Path tmp;

    /** seeds: "--seed 4" for one run, or "--seeds 4,5 --data-seeds 0,1" for a group of replicas. */
    private static List<String> trainArgs(Path out, List<String> seeds) {
        List<String> args = new ArrayList<>(List.of("train", "--task", "mlp-regression", "--model", "modular", "--rules", "3",
                "--enc-dim", "16", "--dim", "48", "--batch-size", "64", "--iterations", "3000", "--eval-every", "100",
                "--quiet", "--out", out.toString()));
        args.addAll(seeds);
        return args;
    }

    @Test
    void killedRunResumesBitExactly() throws Exception {
        killAndResume(List.of("--seed", "4"), List.of(""));
    }

    @Test
    void killedReplicaGroupResumesBitExactly() throws Exception {
        killAndResume(List.of("--seeds", "4,5", "--data-seeds", "0,1"), List.of("seed4-data0", "seed5-data1"));
    }

    /** runs: the run directories below --out ("" for --out itself). */
    private void killAndResume(List<String> seeds, List<String> runs) throws Exception {
        Path whole = tmp.resolve("whole");
        assertEquals(0, CliTest.run(trainArgs(whole, seeds).toArray(String[]::new)).code());

        Path killed = tmp.resolve("killed");
        // the child gets this JVM's flags (the project's module flags come from pom.xml through surefire)
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(trainArgs(killed, seeds));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path log = killed.resolve(runs.get(runs.size() - 1)).resolve("log.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lines(log) < 4 && process.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(process.isAlive(), "the child must still be training when killed: " + Files.readString(tmp.resolve("child.log")));
        process.destroyForcibly().waitFor();
        int linesAtKill = lines(log);
        assertTrue(linesAtKill < 31, "killed before the end, at " + linesAtKill + " evaluations");

        List<String> resume = new ArrayList<>(trainArgs(killed, seeds));
        resume.add("--resume");
        CliTest.Result resumed = CliTest.run(resume.toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.err());
        for (String run : runs) {
            for (String file : List.of("model_last.safetensors", "model_best.safetensors", "training_state.safetensors",
                    "training_state.previous.safetensors", "log.jsonl")) {
                assertArrayEquals(Files.readAllBytes(whole.resolve(run).resolve(file)),
                        Files.readAllBytes(killed.resolve(run).resolve(file)), run + "/" + file);
            }
            try (var entries = Files.list(killed.resolve(run))) {
                assertTrue(entries.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temp files left");
            }
        }
    }

    private static int lines(Path file) throws IOException {
        try {
            return (int) Files.readAllLines(file).size();
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        }
    }
}
