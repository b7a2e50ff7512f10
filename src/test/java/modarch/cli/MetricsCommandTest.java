package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** metrics reads its file strictly: one line naming the file and the fault, exit 2, nothing on stdout. */
class MetricsCommandTest {
    @TempDir
    Path tmp;

    private CliTest.Result metrics(String content) throws IOException {
        Path file = tmp.resolve("m.json");
        Files.writeString(file, content);
        return CliTest.run("metrics", file.toString(), "--json");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"joint\": [[0.5, 0.5], [0.5, 0.5]]} {\"joint\": 1}|trailing data after the JSON value at line 1, column 37",
        "{\"joint\": [[0.5, 0.5], [0.5, 0.5]]} xyz|trailing data after the JSON value",
        "{\"joint\": [[0.5, 0.5], [0.5, 0.5]]}]|trailing data after the JSON value",
        "{\"joint\": [[1, 0], [0, 1]], \"joint\": [[0, 1], [1, 0]]}|duplicate key \"joint\"",
        "{\"joint\": [[1, 0], [0, 1]], \"conditional\": [[0, 1], [1, 0]]}|exactly one of",
        "{\"joint\": [[1e308, 1e308], [1e308, 1e308]]}|value 1E+308 at joint[0][0] is too large for float32",
        "{\"conditional\": [[1, 0], [0, 1e400]]}|value 1E+400 at conditional[1][1] is too large for float32",
        "{\"joint\": [[1, 0], [0, 4e38]]}|value 4E+38 at joint[1][1] is too large for float32",
        "{\"joint\": [[1, 0], [0, 1000000000000000000000000000000000000000000]]}|at joint[1][1] is too large for float32",
        "{\"joint\": [[1, 0], [0, -1e39]]}|value -1E+39 at joint[1][1] is too large for float32",
        "{\"joint\": [[1, 0], [0, \"x\"]]}|joint[1][1] = \"x\" is not a number",
        "{\"joint\": [[1, 0], 3]}|joint[1] is not an array",
        "{\"joint\": [[1, 0], [0, -1]]}|entry [1][1] is -1.0",
        "{\"joint\": [[0, 0], [0, 0]]}|all zero",
        "{\"joint\": []}|non-empty array",
        "[1, 2]|exactly one of",
        "''|empty",
        "{\"joint\": [[1, 0], [0, 1]]|truncated",
    })
    void badFilesGiveOneLineNamingTheFile(String content, String fault) throws IOException {
        CliTest.Result result = metrics(content);
        assertEquals(2, result.code(), result.err());
        assertEquals("", result.out());
        assertEquals(1, result.err().lines().count(), result.err());
        String line = result.err().strip();
        assertTrue(line.startsWith("modarch: error: " + tmp.resolve("m.json")), line);
        assertTrue(line.contains(fault), line);
    }

    @Test
    void largeValuesThatFitAFloatAreMeasured() throws IOException {
        CliTest.Result result = metrics("{\"joint\": [[3e38, 0], [0, 3.4e38]]}");
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("\"collapse_avg\""), result.out());
    }
}
