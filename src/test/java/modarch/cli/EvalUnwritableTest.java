package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import modarch.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * eval when metrics.json cannot be written (a directory in its place, which stops root too): the metrics are on
 * stdout first, then exit 1 with one line naming metrics.json.
 */
class EvalUnwritableTest {
    @TempDir
    Path tmp;

    private static void train(Path out, String... seeds) {
        List<String> args = new ArrayList<>(List.of("train", "--task", "mlp-classification", "--model", "modular",
                "--rules", "2", "--enc-dim", "8", "--dim", "16", "--batch-size", "16", "--iterations", "2",
                "--eval-every", "1", "--quiet", "--out", out.toString()));
        args.addAll(List.of(seeds));
        CliTest.Result trained = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, trained.code(), trained.err());
    }

    private static List<String> errors(CliTest.Result result) {
        return result.err().lines().filter(l -> !l.startsWith("modarch: backend ") && !l.startsWith("modarch: --fast")).toList();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void metricsArePrintedThenTheFailedWriteIsOneLine(boolean json) throws Exception {
        Path run = tmp.resolve("run");
        train(run);
        Files.createDirectory(run.resolve("metrics.json"));
        Files.writeString(run.resolve("metrics.json").resolve("keep.txt"), "mine");
        CliTest.Result result = json
                ? CliTest.run("eval", run.toString(), "--fast", "--eval-batch-size", "50", "--json")
                : CliTest.run("eval", run.toString(), "--fast", "--eval-batch-size", "50");
        assertEquals(1, result.code(), result.err());
        if (json) {
            JsonNode printed = Json.MAPPER.readTree(result.out());
            assertTrue(printed.has("collapse_avg") && printed.has("loss") && printed.has("activation_matrix"), result.out());
        } else {
            assertTrue(result.out().contains("collapse_avg") && result.out().contains("activation_matrix"), result.out());
        }
        List<String> errors = errors(result);
        assertEquals(1, errors.size(), result.err());
        assertTrue(errors.get(0).startsWith("modarch: error: cannot write " + run.resolve("metrics.json")), result.err());
        assertEquals("mine", Files.readString(run.resolve("metrics.json").resolve("keep.txt")));
        try (var files = Files.list(run)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary file left");
        }
    }

    /** A group: every replica is evaluated and printed, the writable metrics.json written, the other one named. */
    @Test
    void aGroupPrintsEveryRunAndNamesTheOneNotWritten() throws Exception {
        Path group = tmp.resolve("group");
        train(group, "--seeds", "1,2");
        Path blocked = group.resolve("seed1-data0").resolve("metrics.json");
        Files.createDirectory(blocked);
        Files.writeString(blocked.resolve("keep.txt"), "mine");
        CliTest.Result result = CliTest.run("eval", group.toString(), "--fast", "--eval-batch-size", "50");
        assertEquals(1, result.code(), result.err());
        assertTrue(result.out().contains("== " + group.resolve("seed1-data0")) && result.out().contains("== " + group.resolve("seed2-data0")),
                result.out());
        assertEquals(2, result.out().lines().filter(l -> l.startsWith("collapse_avg")).count(), result.out());
        assertTrue(Files.isRegularFile(group.resolve("seed2-data0").resolve("metrics.json")));
        assertFalse(Files.isRegularFile(blocked));
        List<String> errors = errors(result);
        assertEquals(1, errors.size(), result.err());
        assertTrue(errors.get(0).startsWith("modarch: error: cannot write " + blocked), result.err());
    }
}
