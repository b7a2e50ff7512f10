package modarch.cli;

import static modarch.model.ModelKind.GT_MODULAR;
import static modarch.model.ModelKind.MODULAR;
import static modarch.model.ModelKind.MONOLITHIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import modarch.io.Json;
import modarch.report.TestRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCliTest {
    @TempDir
    Path tmp;

    /** Monolithic, Modular and GT-Modular mlp-regression runs of rules 4, two seeds each. */
    private Path results() throws IOException {
        Path results = tmp.resolve("results");
        double[][] uniform = {{0.0625, 0.0625, 0.0625, 0.0625}, {0.0625, 0.0625, 0.0625, 0.0625},
            {0.0625, 0.0625, 0.0625, 0.0625}, {0.0625, 0.0625, 0.0625, 0.0625}};
        for (int seed = 0; seed < 2; seed++) {
            TestRuns.complete(results.resolve("mono" + seed), TestRuns.mlp(MONOLITHIC, 4, 0, seed), "loss", 0.5,
                    "ood_loss", 1.0);
            TestRuns.complete(results.resolve("mod" + seed), TestRuns.mlp(MODULAR, 4, 0, seed), "loss", 0.25,
                    "ood_loss", 1.5, "collapse_avg", 0.5, "alignment", 0.75, "activation_matrix", uniform);
            TestRuns.complete(results.resolve("gt" + seed), TestRuns.mlp(GT_MODULAR, 4, 0, seed), "loss", 0.125,
                    "ood_loss", 0.5, "collapse_avg", 0.0, "alignment", 0.0, "activation_matrix", uniform);
        }
        return results;
    }

    @Test
    void writesIntoResultsReportAndPrintsTheHeadline() throws IOException {
        Path results = results();
        CliTest.Result r = CliTest.run("report", results.toString());
        assertEquals(0, r.code(), r.err());
        Path out = results.resolve("report");
        assertTrue(r.out().startsWith("wrote " + out.resolve("report.md") + ", " + out.resolve("results.csv")
                + " (runs: 6) and " + out.resolve("plots") + "/"), r.out());
        String table = r.out().replaceAll(" +", " "); // the columns are padded
        assertTrue(table.contains("| mlp-regression | 4 | Modular | 2 | 0.2500 ± 0 | 1.500 ± 0 | 0.500 | 0.750 |"), table);
        assertTrue(table.contains("| mlp-regression | 4 | Monolithic | 2 | 0.5000 ± 0 | 1.000 ± 0 | — | — |"), table);
        assertTrue(Files.isRegularFile(out.resolve("report.md")) && Files.isRegularFile(out.resolve("results.csv")));
        assertTrue(Files.isRegularFile(out.resolve("plots/mlp-regression-heatmap-r4.svg")));
        assertEquals("", r.err().lines().filter(l -> !l.startsWith("WARNING")).reduce("", String::concat));
    }

    /** The report's Random row is `eval --random-baseline`'s, to the 4 digits it prints. */
    @Test
    void randomRowEqualsEvalRandomBaseline() throws IOException {
        Path out = tmp.resolve("out");
        assertEquals(0, CliTest.run("report", results().toString(), "--out", out.toString()).code());
        String row = Files.readAllLines(out.resolve("report.md")).stream()
                .filter(l -> l.matches("\\| 4 +\\| Random .*")).findFirst().orElseThrow();
        List<String> cells = Stream.of(row.split("\\|")).map(String::trim).toList(); // "", rules, model, n, ID, OoD, ...
        JsonNode eval = Json.MAPPER.readTree(CliTest.run("eval", "--random-baseline", "--rules", "4", "--json").out());
        String[] keys = {"collapse_avg", "collapse_worst", "alignment", "adaptation", "inverse_mutual_information"};
        for (int i = 0; i < keys.length; i++) {
            double v = eval.get(keys[i]).asDouble();
            assertEquals(v == 0 ? "0" : String.format(Locale.ROOT, "%.4g", v), cells.get(6 + i), keys[i] + " in " + row);
        }
        assertEquals("0.7500", cells.get(8), "alignment of the uniform 4 x 4 matrix: 1 - 1/4");
    }

    @Test
    void corruptRunIsSkippedWithAWarning() throws IOException {
        Path results = results();
        Files.writeString(results.resolve("mod1/metrics.json"), "{\"iteration\": 600,");
        CliTest.Result r = CliTest.run("report", results.toString());
        assertEquals(0, r.code(), r.err());
        List<String> warnings = r.err().lines().filter(l -> l.startsWith("modarch: warning:")).toList();
        assertEquals(1, warnings.size(), r.err());
        assertTrue(warnings.get(0).contains(results.resolve("mod1/metrics.json").toString()), warnings.get(0));
        assertTrue(r.out().contains("(runs: 5)"), r.out());
    }

    @Test
    void badInputExitsTwoWithOneLineAndWritesNothing() throws IOException {
        Path results = results();
        Path file = Files.writeString(tmp.resolve("notes.txt"), "mine");
        Path empty = Files.createDirectories(tmp.resolve("empty/deeper"));
        String[][] cases = { // arguments, then the text the error line must hold
            {"report", tmp.resolve("missing").toString(), "|", tmp.resolve("missing") + " does not exist"},
            {"report", file.toString(), "|", file + " is a file"},
            {"report", empty.getParent().toString(), "|", empty.getParent() + " holds no readable run"},
            {"report", results.toString(), "--heatmap-rules", "8", "|", "--heatmap-rules 8", "present are 4"},
            {"report", results.toString(), "--heatmap-rules", "four", "|", "four"},
            {"report", "|", "RESULTS_DIR"},
        };
        for (String[] c : cases) {
            int bar = List.of(c).indexOf("|");
            String[] args = List.of(c).subList(0, bar).toArray(String[]::new);
            CliTest.Result r = CliTest.run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            List<String> lines = r.err().lines().filter(l -> !l.startsWith("WARNING")).toList();
            assertEquals(1, lines.size(), "one line: " + r.err());
            for (String named : List.of(c).subList(bar + 1, c.length)) {
                assertTrue(lines.get(0).contains(named), lines.get(0) + " names " + named);
            }
            assertEquals("", r.out());
        }
        assertFalse(Files.exists(results.resolve("report")), "nothing written");
        assertFalse(Files.exists(empty.getParent().resolve("report")));
    }

    @Test
    void anUnwritableOutIsAnEnvironmentFailureNamingThePath() throws IOException {
        Path file = Files.writeString(tmp.resolve("taken"), "mine");
        CliTest.Result r = CliTest.run("report", results().toString(), "--out", file.resolve("report").toString());
        assertEquals(1, r.code(), r.err());
        List<String> lines = r.err().lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).contains(file.toString()), lines.get(0));
        assertEquals("mine", Files.readString(file));
    }
}
