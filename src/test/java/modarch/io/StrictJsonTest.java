package modarch.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class StrictJsonTest {
    @TempDir
    Path tmp;

    private Path file(String content) throws IOException {
        Path path = tmp.resolve("config.json");
        Files.writeString(path, content);
        return path;
    }

    private Map<String, Object> config(String content) throws IOException {
        return StrictJson.readObject(file(content));
    }

    /** The one-line message of the IOException that {@code body} throws; it names the file. */
    private String fault(IOBody body) {
        IOException e = assertThrows(IOException.class, body::run);
        String message = e.getMessage();
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.startsWith(tmp.resolve("config.json") + ": "), message);
        return message.substring((tmp.resolve("config.json") + ": ").length());
    }

    interface IOBody {
        void run() throws IOException;
    }

    @Test
    void readsAnObjectInFileOrderWithExactNumbers() throws IOException {
        Map<String, Object> map = config("{\"task\": \"mlp-regression\", \"rules\": 4, \"lr\": 1e-4, "
                + "\"iterations\": 10000000000, \"quiet\": false, \"list\": [1, 2]}");
        assertEquals(List.of("task", "rules", "lr", "iterations", "quiet", "list"), List.copyOf(map.keySet()));
        assertEquals(4, map.get("rules"));
        assertEquals(10_000_000_000L, map.get("iterations"));
        assertEquals(new BigDecimal("1e-4"), map.get("lr"));
        assertEquals(Boolean.FALSE, map.get("quiet"));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
            Arguments.of("{\"a\": 1, \"a\": 2}", "not valid JSON: duplicate key \"a\" at line 1"),
            Arguments.of("{\"a\": {\"b\": 1, \"b\": 1}}", "duplicate key \"b\""),
            Arguments.of("{\"a\": 1} {\"b\": 2}", "trailing data after the JSON value at line 1, column 10"),
            Arguments.of("{\"a\": 1}}", "trailing data after the JSON value"),
            Arguments.of("{\"a\": 1} garbage", "trailing data after the JSON value"),
            Arguments.of("{\"a\": 1}\n,", "trailing data after the JSON value at line 2"),
            Arguments.of("{\"a\": 1", "truncated"),
            Arguments.of("", "empty"),
            Arguments.of("  \n ", "empty"),
            Arguments.of("[1, 2]", "expected a JSON object {...}, found an array"),
            Arguments.of("\"text\"", "expected a JSON object {...}, found a string"),
            Arguments.of("{\"a\": NaN}", "not valid JSON"),
            Arguments.of("{\"a\": Infinity}", "not valid JSON"),
            Arguments.of("{a: 1}", "not valid JSON"),
            Arguments.of("{\"a\": 1,}", "not valid JSON"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void refusesMalformedFilesInOneLineNamingThePath(String content, String expected) {
        String fault = fault(() -> config(content));
        assertTrue(fault.contains(expected), fault);
    }

    @Test
    void missingFileIsNamed() {
        Path missing = tmp.resolve("config.json");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> StrictJson.readObject(missing));
        assertEquals(missing + ": no such file", e.getMessage());
    }

    @Test
    void sharedMapperRefusesTrailingTokensAndDuplicates() {
        assertThrows(IOException.class, () -> StrictJson.MAPPER.readTree("{\"a\": 1} 2"));
        assertThrows(IOException.class, () -> StrictJson.MAPPER.readTree("{\"a\": 1, \"a\": 1}"));
        assertThrows(IOException.class, () -> StrictJson.MAPPER.readValue("{\"a\": 1} 2", Map.class));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "4.9|\"rules\" must be an integer, got 4.9",
        "4.0|\"rules\" must be an integer written without fraction or exponent, got 4.0",
        "4e0|\"rules\" must be an integer written without fraction or exponent, got 4",
        "0.0|\"rules\" must be an integer written without fraction or exponent, got 0.0",
        "\"four\"|\"rules\" must be an integer, got \"four\"",
        "\"4\"|\"rules\" must be an integer, got \"4\"",
        "null|\"rules\" must be an integer, got null",
        "true|\"rules\" must be an integer, got true",
        "[4]|\"rules\" must be an integer, got an array",
        "2147483648|\"rules\" is out of range for an integer (-2147483648..2147483647), got 2147483648",
        "-2147483649|\"rules\" is out of range for an integer (-2147483648..2147483647), got -2147483649",
        "99999999999999999999999|\"rules\" is out of range for an integer (-2147483648..2147483647), got 99999999999999999999999",
    })
    void requireIntRefusesAnythingButAnExactInt(String value, String expected) throws IOException {
        Path path = file("{\"rules\": " + value + "}");
        Map<String, Object> map = StrictJson.readObject(path);
        assertEquals(expected, fault(() -> StrictJson.requireInt(map, "rules", path)));
    }

    @Test
    void requireIntAcceptsTheIntRangeAndNamesAMissingKey() throws IOException {
        Path path = file("{\"a\": 4, \"b\": -2147483648, \"c\": 2147483647}");
        Map<String, Object> map = StrictJson.readObject(path);
        assertEquals(4, StrictJson.requireInt(map, "a", path));
        assertEquals(Integer.MIN_VALUE, StrictJson.requireInt(map, "b", path));
        assertEquals(Integer.MAX_VALUE, StrictJson.requireInt(map, "c", path));
        assertEquals("\"lr\" is missing", fault(() -> StrictJson.requireInt(map, "lr", path)));
        assertEquals("\"lr\" is missing", fault(() -> StrictJson.requireDouble(map, "lr", path)));
        assertEquals("\"lr\" is missing", fault(() -> StrictJson.requireString(map, "lr", path)));
    }

    @Test
    void requireLong() throws IOException {
        Path path = file("{\"a\": 9223372036854775807, \"b\": 9223372036854775808, \"c\": 1.5, \"d\": 3}");
        Map<String, Object> map = StrictJson.readObject(path);
        assertEquals(Long.MAX_VALUE, StrictJson.requireLong(map, "a", path));
        assertEquals(3L, StrictJson.requireLong(map, "d", path));
        assertEquals("\"b\" is out of range for a 64-bit integer, got 9223372036854775808",
                fault(() -> StrictJson.requireLong(map, "b", path)));
        assertEquals("\"c\" must be an integer, got 1.5", fault(() -> StrictJson.requireLong(map, "c", path)));
    }

    @Test
    void requireDouble() throws IOException {
        Path path = file("{\"lr\": 1e-4, \"n\": 3, \"big\": 1e400, \"neg\": -1e400, \"s\": \"0.1\", \"b\": true, "
                + "\"max\": 1.7976931348623157e308, \"x\": 0.1}");
        Map<String, Object> map = StrictJson.readObject(path);
        assertEquals(1e-4, StrictJson.requireDouble(map, "lr", path));
        assertEquals(0.1, StrictJson.requireDouble(map, "x", path));
        assertEquals(3.0, StrictJson.requireDouble(map, "n", path));
        assertEquals(Double.MAX_VALUE, StrictJson.requireDouble(map, "max", path));
        assertEquals("\"big\" is too large for a double, got 1E+400", fault(() -> StrictJson.requireDouble(map, "big", path)));
        assertEquals("\"neg\" is too large for a double, got -1E+400", fault(() -> StrictJson.requireDouble(map, "neg", path)));
        assertEquals("\"s\" must be a finite number, got \"0.1\"", fault(() -> StrictJson.requireDouble(map, "s", path)));
        assertEquals("\"b\" must be a finite number, got true", fault(() -> StrictJson.requireDouble(map, "b", path)));
    }

    @Test
    void requireStringAndBoolean() throws IOException {
        Path path = file("{\"task\": \"mlp\", \"n\": 5, \"z\": null, \"t\": true, \"ts\": \"true\", \"one\": 1}");
        Map<String, Object> map = StrictJson.readObject(path);
        assertEquals("mlp", StrictJson.requireString(map, "task", path));
        assertEquals("\"n\" must be a string, got 5", fault(() -> StrictJson.requireString(map, "n", path)));
        assertEquals("\"z\" must be a string, got null", fault(() -> StrictJson.requireString(map, "z", path)));
        assertTrue(StrictJson.requireBoolean(map, "t", path));
        assertEquals("\"ts\" must be true or false, got \"true\"", fault(() -> StrictJson.requireBoolean(map, "ts", path)));
        assertEquals("\"one\" must be true or false, got 1", fault(() -> StrictJson.requireBoolean(map, "one", path)));
    }

    @Test
    void refuseUnknownKeys() throws IOException {
        Path path = file("{\"task\": \"mlp\", \"rules\": 2, \"ruels\": 3}");
        Map<String, Object> map = StrictJson.readObject(path);
        StrictJson.refuseUnknownKeys(map, Set.of("task", "rules", "ruels"), path);
        assertEquals("unknown key \"ruels\" (allowed: rules, task)",
                fault(() -> StrictJson.refuseUnknownKeys(map, Set.of("task", "rules"), path)));
        assertFalse(map.isEmpty());
    }
}
