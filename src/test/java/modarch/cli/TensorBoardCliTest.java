package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import modarch.io.tensorboard.EventWriter;
import modarch.train.TensorBoardPython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event files as the commands write them: train writes one per run (read back by TensorBoard as the run's log.jsonl),
 * eval adds the measurement; --no-tensorboard and a sweep's tensorboard: false write none.
 */
class TensorBoardCliTest {
    private static final List<String> TINY = List.of("--task", "mlp-regression", "--model", "modular", "--rules", "2",
            "--enc-dim", "8", "--dim", "16", "--iterations", "20", "--eval-every", "10", "--batch-size", "16",
            "--quiet");
    private static final List<String> FAST_EVAL = List.of("--fast", "--performance-batches", "20",
            "--activation-batches", "20", "--adaptation-batches", "10", "--eval-batch-size", "50");

    @TempDir
    Path tmp;

    @Test
    void aTrainedAndMeasuredRunReadsInTensorBoardAsItsLogAndMetrics() throws IOException, InterruptedException {
        Path run = tmp.resolve("logs/run");
        train(run);
        assertEquals(1, eventFiles(run), "one event file for the training");
        eval(run);
        assertEquals(2, eventFiles(run), "eval adds its measurement in a file of its own");
        TensorBoardPython.assumeInstalled();
        TensorBoardPython.check("read", tmp.resolve("logs"));
    }

    @Test
    void noTensorBoardWritesNoEventFileAndEvalAddsNone() throws IOException {
        Path run = tmp.resolve("quiet-run");
        train(run, "--no-tensorboard");
        eval(run);
        assertEquals(0, eventFiles(run));
        assertTrue(Files.isRegularFile(run.resolve("metrics.json")));
    }

    @Test
    void aSweepWithTensorBoardOffWritesNoEventFile() throws IOException {
        Path file = tmp.resolve("tiny.yaml");
        Files.writeString(file, SweepCliTest.tinySweep("1e-3", 10).replace("name: tiny\n", "name: tiny\ntensorboard: false\n"));
        Path out = tmp.resolve("results");
        CliTest.Result result = CliTest.run("sweep", "run", file.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, result.code(), result.err());
        try (Stream<Path> all = Files.walk(out)) {
            assertEquals(0, all.filter(TensorBoardCliTest::isEventFile).count());
        }
    }

    @Test
    void aSweepsTensorBoardOptionIsTrueOrFalse() throws IOException {
        Path file = tmp.resolve("tiny.yaml");
        Files.writeString(file, SweepCliTest.tinySweep("1e-3", 10).replace("name: tiny\n", "name: tiny\ntensorboard: no\n"));
        CliTest.Result result = CliTest.run("sweep", "plan", file.toString(), "--out", tmp.resolve("r").toString());
        assertEquals(2, result.code(), result.err());
        assertTrue(result.err().contains("'no' is not allowed: use true or false"), result.err());
    }

    private static void train(Path run, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train"));
        args.addAll(TINY);
        args.addAll(List.of("--out", run.toString()));
        args.addAll(List.of(more));
        CliTest.Result result = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
    }

    private static void eval(Path run) {
        List<String> args = new java.util.ArrayList<>(List.of("eval", run.toString()));
        args.addAll(FAST_EVAL);
        CliTest.Result result = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
    }

    private static long eventFiles(Path run) throws IOException {
        try (Stream<Path> files = Files.list(run)) {
            return files.filter(TensorBoardCliTest::isEventFile).count();
        }
    }

    private static boolean isEventFile(Path file) {
        return file.getFileName().toString().startsWith(EventWriter.FILE_PREFIX);
    }
}
