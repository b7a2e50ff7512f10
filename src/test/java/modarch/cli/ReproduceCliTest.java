package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import modarch.report.Report;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `reproduce`: --quick runs the home's sweeps/quick.yaml and reports it; --paper plans a shipped grid. */
class ReproduceCliTest {
    @TempDir
    Path tmp;

    @AfterEach
    void forgetHome() {
        System.clearProperty("modarch.home");
    }

    @Test
    void quickRunsTheQuickSweepThenWritesTheReportAndItsHeadline() throws Exception {
        Files.createDirectories(tmp.resolve("home/sweeps"));
        Files.writeString(tmp.resolve("home/sweeps/quick.yaml"), SweepCliTest.tinySweep("1e-3", 20).replace("tiny", "quick"));
        System.setProperty("modarch.home", tmp.resolve("home").toString());
        Path out = tmp.resolve("results");
        CliTest.Result result = CliTest.run("reproduce", "--quick", "--out", out.toString(), "--quiet");
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("sweep quick: 4 of 4 runs complete"), result.out());
        assertTrue(result.out().contains("| mlp-regression | 2     | Modular    | 2   |"), result.out());
        assertTrue(result.out().contains("quick reproduction: "), result.out());
        for (String file : new String[] {Report.MARKDOWN, Report.CSV, "plots/mlp-regression-performance.png"}) {
            assertTrue(Files.isRegularFile(out.resolve("report").resolve(file)), file);
        }
        assertEquals(5, Files.readAllLines(out.resolve("report").resolve(Report.CSV)).size(), "a header and 4 runs");
    }

    @Test
    void paperPrintsTheFullGridsPlanAndBadFamiliesAreOneLine() {
        CliTest.Result mlp = CliTest.run("reproduce", "--paper", "mlp", "--out", tmp.resolve("p").toString());
        assertEquals(0, mlp.code(), mlp.err());
        assertTrue(mlp.out().contains("5000 runs in 200 replica groups"), mlp.out());
        assertTrue(mlp.out().contains(" sweep slurm "), mlp.out());
        CliTest.Result rnn = CliTest.run("reproduce", "--paper", "rnn", "--out", tmp.resolve("p").toString());
        assertTrue(rnn.out().contains("rnn-classification: 2500 runs"), rnn.out());
        CliTest.Result none = CliTest.run("reproduce");
        assertEquals(2, none.code());
        assertEquals("modarch: error: Missing required argument (specify one of these): (--quick | --paper=FAMILY)"
                + " (see --help)", none.err().strip());
        CliTest.Result bad = CliTest.run("reproduce", "--paper", "cnn");
        assertEquals(2, bad.code());
        assertEquals("modarch: error: --paper 'cnn' is not allowed: allowed are mlp, mha, rnn", bad.err().strip());
    }
}
