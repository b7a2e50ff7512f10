package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import modarch.io.Safetensors;
import modarch.train.RunDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training into a full disk (a 300 KiB tmpfs, mounted as root; skipped otherwise): exit 1 with one line naming
 * the file that could not be written; no temporary file left behind; the run's files either agree on one
 * iteration or eval reports both (the checkpoint's iteration and the log's); the run resumes once there is room.
 */
class FullDiskTest {
    @TempDir
    Path tmp;

    /**
     * 9107 parameters: model files of 37 KiB, training states of 112 KiB. The first checkpoint (best, last, state)
     * fits in 300 KiB; the second needs room for the previous state beside the new one, and does not.
     */
    private static List<String> trainArgs(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--task", "mlp-regression", "--model", "modular",
                "--rules", "2", "--enc-dim", "16", "--dim", "64", "--batch-size", "16", "--iterations", "6",
                "--eval-every", "2", "--quiet", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args;
    }

    @Test
    void aFullDiskStopsTrainingWithOneLineAndRunFilesThatSayWhereTheyAre() throws Exception {
        Path disk = tmp.resolve("disk");
        Files.createDirectories(disk);
        String why = Mounts.mount(disk, "size=300k");
        Assumptions.assumeTrue(why == null, () -> "skipped: no tmpfs for a full disk (" + why + ")");
        Path copy = tmp.resolve("copy");
        try {
            Path run = disk.resolve("run");
            CliTest.Result result = CliTest.run(trainArgs(run).toArray(String[]::new));
            assertEquals(1, result.code(), result.err());
            List<String> lines = result.err().lines().filter(l -> !l.startsWith("modarch: backend ")).toList();
            assertEquals(1, lines.size(), "one line: " + result.err());
            String line = lines.get(0);
            assertTrue(line.startsWith("modarch: error: cannot write " + run + "/"), line);
            assertTrue(line.contains("No space left on device"), line);
            try (Stream<Path> files = Files.list(run)) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary file left");
            }

            long model = iteration(run.resolve(RunDirectory.MODEL_LAST));
            long logged = new RunDirectory(run).lastLoggedIteration();
            Path state = Files.exists(run.resolve(RunDirectory.TRAINING_STATE)) ? run.resolve(RunDirectory.TRAINING_STATE)
                    : run.resolve("training_state.previous.safetensors");
            long stateIteration = iteration(state);
            assertTrue(model < 6, "the disk filled before the end");
            assertEquals(logged, stateIteration, "log.jsonl and the training state are committed together");
            System.out.println("FullDiskTest: " + line + "; model_last at iteration " + model + ", log.jsonl at " + logged);

            // eval reports both iterations; in place it may find no room for metrics.json, but prints first
            CliTest.Result inPlace = CliTest.run("eval", run.toString(), "--fast", "--json", "--eval-batch-size", "20");
            JsonNode printed = new ObjectMapper().readTree(inPlace.out());
            assertEquals(model, printed.get("iteration").asLong());
            assertEquals(logged, printed.get("run_iteration").asLong());
            if (inPlace.code() != 0) {
                assertEquals(1, inPlace.code(), inPlace.err());
                assertTrue(inPlace.err().lines().filter(l -> l.startsWith("modarch: error: ")).allMatch(
                        l -> l.contains(run.resolve("metrics.json").toString())), inPlace.err());
            }
            if (model != logged) {
                assertTrue(inPlace.err().contains("model_last is at iteration " + model + " but log.jsonl ends at " + logged),
                        inPlace.err());
            }

            // with room again, the run resumes from its training state to the end
            Files.createDirectories(copy);
            try (Stream<Path> files = Files.list(run)) {
                for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, copy.resolve(f.getFileName()));
            }
        } finally {
            Mounts.unmount(disk);
        }
        Files.deleteIfExists(copy.resolve("metrics.json"));
        CliTest.Result resumed = CliTest.run(trainArgs(copy, "--resume").toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(6, iteration(copy.resolve(RunDirectory.MODEL_LAST)));
        assertEquals(6, new RunDirectory(copy).lastLoggedIteration());
        assertFalse(Files.exists(disk.resolve("run")), "unmounted");
    }

    private static long iteration(Path checkpoint) throws IOException {
        return Long.parseLong(Safetensors.read(checkpoint).metadata().get("iteration"));
    }
}
