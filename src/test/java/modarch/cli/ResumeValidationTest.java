package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import modarch.io.CorruptFileException;
import modarch.io.RunLock;
import modarch.io.Safetensors;
import modarch.io.Safetensors.Tensor;
import modarch.train.RunDirectory;
import modarch.train.TrainingState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * `train --resume` and `eval` trust nothing in a run's checkpoint files that the trainer would not have written:
 * a hand-edited or damaged value is refused in one line naming the file, exit 2 (a file's content, like any bad
 * input, fails the same way on every retry), and nothing is written. The fixture is 4 iterations, evaluated (and
 * checkpointed) every 2: its state is at iteration 4 with a log of 3 lines.
 */
class ResumeValidationTest {
    @TempDir
    static Path shared;
    static Path fixture;

    @TempDir
    Path tmp;

    /** The fixture's training (BadInputTest's small run) into out, with extra arguments. */
    private static List<String> train(Path out, String... extra) {
        List<String> args = BadInputTest.train(out);
        args.addAll(List.of(extra));
        return args;
    }

    @BeforeAll
    static void trainFixture() {
        fixture = shared.resolve("fixture");
        CliTest.Result trained = CliTest.run(train(fixture).toArray(String[]::new));
        assertEquals(0, trained.code(), trained.err());
    }

    /** A copy of a run directory (without its lock file). */
    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f) && !f.getFileName().toString().equals(RunLock.FILE_NAME)) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        return to;
    }

    /** Rewrites a safetensors file after edit changed its tensors (by name) or metadata. */
    private static void edit(Path file, BiConsumer<Map<String, Tensor>, Map<String, String>> edit) throws IOException {
        Safetensors.Loaded loaded = Safetensors.read(file);
        Map<String, Tensor> tensors = loaded.byName();
        Map<String, String> meta = new LinkedHashMap<>(loaded.metadata());
        edit.accept(tensors, meta);
        Safetensors.write(file, new ArrayList<>(tensors.values()), meta);
    }

    private static BiConsumer<Map<String, Tensor>, Map<String, String>> meta(String key, String value) {
        return (tensors, meta) -> {
            if (value == null) meta.remove(key);
            else meta.put(key, value);
        };
    }

    private static BiConsumer<Map<String, Tensor>, Map<String, String>> firstValue(String prefix, float value) {
        return (tensors, meta) -> tensors.values().stream().filter(t -> t.name().startsWith(prefix)).findFirst()
                .orElseThrow().data()[0] = value;
    }

    /** Every file of a run directory but its lock, by name, as bytes compared by content. */
    private static Map<String, String> contents(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f) && !f.getFileName().toString().equals(RunLock.FILE_NAME)) {
                    out.put(dir.relativize(f).toString(), java.util.HexFormat.of().formatHex(Files.readAllBytes(f)));
                }
            }
        }
        return out;
    }

    private static void assertRefused(CliTest.Result result, Path file, String fault) {
        assertEquals(2, result.code(), result.err());
        assertEquals(1, result.err().strip().lines().count(), result.err());
        assertTrue(result.err().startsWith("modarch: error: " + file), result.err());
        assertTrue(result.err().contains(fault), result.err());
    }

    static Stream<Arguments> editedStates() {
        String log = "[\"{\\\"iteration\\\":0}\",\"{\\\"iteration\\\":2}\",\"{\\\"iteration\\\":4}\"]";
        return Stream.of(
                Arguments.of("a NaN parameter", firstValue("param.", Float.NaN), "is non-finite (NaN)"),
                Arguments.of("an infinite first moment", firstValue("adam_m.", Float.POSITIVE_INFINITY), "is non-finite (Infinity)"),
                Arguments.of("a NaN second moment", firstValue("adam_v.", Float.NaN), "'adam_v."),
                Arguments.of("a negative second moment", firstValue("adam_v.", -1f), "is negative (-1.0)"),
                Arguments.of("a negative Adam step", meta("adam_step", "-1"), "metadata 'adam_step' is -1: an iteration is in 0..2147483647"),
                Arguments.of("an Adam step off the iteration", meta("adam_step", "3"), "'adam_step' is 3 but 'iteration' is 4"),
                Arguments.of("an Adam step beyond an int", meta("adam_step", "4294967300"), "'adam_step' is 4294967300"),
                Arguments.of("a negative iteration", meta("iteration", "-4"), "metadata 'iteration' is -4"),
                Arguments.of("a huge iteration", meta("iteration", "1000000000000"), "'iteration' is 1000000000000: an iteration is in"),
                Arguments.of("an iteration behind its log", meta("iteration", "2"), "'iteration' is 2"),
                Arguments.of("a fractional iteration", meta("iteration", "4.5"), "metadata 'iteration' is '4.5', not an integer"),
                Arguments.of("a NaN best score", meta("best_score", "NaN"), "metadata 'best_score' is 'NaN'"),
                Arguments.of("an infinite best score", meta("best_score", "-Infinity"), "metadata 'best_score' is '-Infinity'"),
                Arguments.of("a best score that is no number", meta("best_score", "good"), "metadata 'best_score' is 'good'"),
                Arguments.of("no best score", meta("best_score", null), "lacks metadata 'best_score'"),
                Arguments.of("a log that is not JSON", meta("log", "[\"{\\\"iteration\\\":0}\""), "metadata 'log' is not a JSON list"),
                Arguments.of("an empty log", meta("log", "[]"), "metadata 'log' holds no line"),
                Arguments.of("a log line that is no object", meta("log", "[\"[0]\"]"), "line 1 is not a JSON object with an integer"),
                Arguments.of("a log line without an iteration", meta("log", "[\"{}\"]"), "line 1 is not a JSON object with an integer"),
                Arguments.of("a log that starts late", meta("log", "[\"{\\\"iteration\\\":2}\",\"{\\\"iteration\\\":4}\"]"),
                        "line 1 is at iteration 2: the log starts at iteration 0"),
                Arguments.of("a log out of order", meta("log", log.replace(":2", ":6")), "line 3 is at iteration 4, not after"),
                Arguments.of("a log ending elsewhere", meta("log", log.replace(":4", ":3")), "'log' ends at iteration 3 but 'iteration' is 4"),
                Arguments.of("no log", meta("log", null), "lacks metadata 'log'"),
                Arguments.of("another engine's state", meta("engine_version", "0.1.0"), "written by engine 0.1.0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("editedStates")
    void anEditedTrainingStateIsRefusedOnResumeAndNothingIsWritten(String name,
            BiConsumer<Map<String, Tensor>, Map<String, String>> change, String fault) throws IOException {
        Path run = copy(fixture, tmp.resolve("run"));
        Path state = run.resolve(RunDirectory.TRAINING_STATE);
        edit(state, change);
        Map<String, String> before = contents(run);
        CliTest.Result result = CliTest.run(train(run, "--resume").toArray(String[]::new));
        assertRefused(result, state, fault);
        assertEquals(before, contents(run), "nothing is written");
    }

    @Test
    void aValidStateStillResumes() throws IOException {
        Path run = copy(fixture, tmp.resolve("run"));
        // back to iteration 2, as after a kill between two checkpoints
        Files.copy(run.resolve(TrainingState.PREVIOUS), run.resolve(RunDirectory.TRAINING_STATE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliTest.Result result = CliTest.run(train(run, "--resume").toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
        assertEquals(Files.readString(fixture.resolve(RunDirectory.LOG)), Files.readString(run.resolve(RunDirectory.LOG)));
    }

    /**
     * The trainer itself reads the previous state of a replica that must go back to its group's iteration (after
     * the command's own checks): a fault found there is a corrupt file too, and exits 2 as the others do.
     */
    @Test
    void aCorruptFileIsBadInputWhereverItSurfaces() {
        Path previous = Path.of("/runs/g/seed1-data0").resolve(TrainingState.PREVIOUS);
        StringWriter err = new StringWriter();
        int code = Main.failure(new CorruptFileException(previous, "tensor 'param.w'[0] is non-finite (NaN)"), new PrintWriter(err));
        assertEquals(Main.EXIT_BAD_INPUT, code);
        assertEquals("modarch: error: " + previous + ": tensor 'param.w'[0] is non-finite (NaN)", err.toString().strip());
    }

    @Test
    void evalRefusesACheckpointWithAnIterationOutOfRange() throws IOException {
        Path run = copy(fixture, tmp.resolve("run"));
        Path last = run.resolve(RunDirectory.MODEL_LAST);
        edit(last, meta("iteration", "-3"));
        assertRefused(CliTest.run("eval", run.toString(), "--fast"), last, "metadata 'iteration' is -3");
        edit(last, meta("iteration", "4"));
        edit(last, firstValue("", Float.NaN));
        assertRefused(CliTest.run("eval", run.toString(), "--fast"), last, "is non-finite (NaN)");
    }
}
