package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `metrics` bounds its work (rules and file size, stated in its usage) and says when a conditional row is not a distribution. */
class MetricsLimitsTest {
    @TempDir
    Path tmp;

    /** {"KEY": R x R}, every entry the same. */
    private Path uniform(String key, int rules, String entry) throws IOException {
        String row = "[" + String.join(",", Collections.nCopies(rules, entry)) + "]";
        Path file = tmp.resolve(key + rules + ".json");
        Files.writeString(file, "{\"" + key + "\": [" + String.join(",", Collections.nCopies(rules, row)) + "]}");
        return file;
    }

    private static void assertRefused(CliTest.Result result, Path file, String fault) {
        assertEquals(2, result.code(), result.err());
        assertEquals("", result.out());
        assertEquals(1, result.err().strip().lines().count(), result.err());
        assertTrue(result.err().startsWith("modarch: error: " + file), result.err());
        assertTrue(result.err().contains(fault), result.err());
    }

    @Test
    void aMatrixOfThousandsOfRulesIsRefusedAtOnce() throws IOException {
        Path file = uniform("joint", 3000, "1");
        CliTest.Result result = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> CliTest.run("metrics", file.toString()));
        assertRefused(result, file, "a matrix file may be at most 16 MiB (up to 256 rules)");
    }

    @Test
    void moreRulesThanTheLimitAreRefusedInASmallFile() throws IOException {
        Path file = uniform("conditional", 257, "0");
        assertRefused(CliTest.run("metrics", file.toString(), "--json"), file,
                "\"conditional\" has 257 rows: at most 256 rules are measured");
    }

    @Test
    void theLimitItselfIsMeasuredQuickly() throws IOException {
        Path file = uniform("joint", 256, "1");
        CliTest.Result result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> CliTest.run("metrics", file.toString(), "--json"));
        assertEquals(0, result.code(), result.err());
        assertEquals("", result.err());
        assertTrue(result.out().contains("\"rules\" : 256"), result.out().substring(0, 300));
    }

    @Test
    void theUsageStatesTheLimits() {
        CliTest.Result help = CliTest.run("metrics", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().replaceAll("\\s+", " ").contains("At most 256 rules, in a file of at most 16 MiB"), help.out());
    }

    @Test
    void aConditionalRowThatIsNotADistributionIsMeasuredWithAWarning() throws IOException {
        Path file = tmp.resolve("c.json");
        Files.writeString(file, "{\"conditional\": [[0.9, 0.1], [0.2, 0.3]]}");
        CliTest.Result result = CliTest.run("metrics", file.toString(), "--json");
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("\"collapse_avg\""), result.out());
        assertEquals("modarch: warning: " + file + ": conditional row 1 sums to 0.5, not 1 (a rule's mean routing scores"
                + " sum to 1): the matrix is normalised as a whole, so each rule weighs as its row's sum", result.err().strip());
    }

    @Test
    void conditionalRowsThatSumToOneUpToFloatRoundingGiveNoWarning() throws IOException {
        Path file = tmp.resolve("c.json");
        // float32 means as another tool writes them: 0.1f + 0.2f + 0.7f is 1.0000000149
        Files.writeString(file, "{\"conditional\": [[0.1, 0.2, 0.7], [0.33333334, 0.33333334, 0.33333334], [1, 0, 0]]}");
        CliTest.Result result = CliTest.run("metrics", file.toString());
        assertEquals(0, result.code(), result.err());
        assertEquals("", result.err());
        Files.writeString(file, "{\"joint\": [[0.9, 0.1], [0.2, 0.3]]}"); // a joint matrix is taken up to scale
        assertEquals("", CliTest.run("metrics", file.toString()).err());
    }
}
