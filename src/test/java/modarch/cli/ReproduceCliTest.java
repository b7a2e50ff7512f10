package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import modarch.backend.cuda.CudaProbe;
import modarch.report.Report;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `reproduce`: --quick runs the home's sweeps/quick.yaml (or --family's quick-FAMILY.yaml) and reports it, in
 * --precision; --paper plans a shipped grid.
 */
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

    @Test
    void quickInTf32RunsEveryRunInTf32() throws Exception {
        home("quick", SweepCliTest.tinySweep("1e-3", 20).replace("tiny", "quick"));
        Path out = tmp.resolve("results");
        CliTest.Result result = CliTest.run("reproduce", "--quick", "--precision", "tf32", "--out", out.toString(),
                "--quiet", "--device", "cpu");
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("sweep quick-tf32: 4 of 4 runs complete"), result.out());
        try (Stream<Path> configs = Files.find(out.resolve("runs"), 3, (f, a) -> f.endsWith("config.json"))) {
            for (Path config : configs.toList()) {
                JsonNode json = new ObjectMapper().readTree(config.toFile());
                assertEquals("tf32", json.path("precision").asText(), config.toString());
            }
        }
        CliTest.Result bad = CliTest.run("reproduce", "--quick", "--precision", "fp16");
        assertEquals(2, bad.code());
        assertEquals("modarch: error: precision 'fp16' is not one of fp32, tf32, 3xtf32", bad.err().strip());
    }

    @Test
    void aFamilysQuickSweepRunsOnTheCpuOnlyWhenAskedAndIsPlannedWithoutAGpu() throws Exception {
        home("quick-mha", """
                name: quick-mha
                iterations: 4
                eval_every: 2
                batch_size: 4
                evaluation: {performance_batches: 1, activation_batches: 1, adaptation_batches: 1, batch_size: 4}
                grids:
                  - tasks: [mha-regression]
                    kinds: [modular, monolithic]
                    rules: [2]
                    capacities: [[8, 16]]
                """);
        Path out = tmp.resolve("mha");
        CliTest.Result auto = CliTest.run("reproduce", "--quick", "--family", "mha", "--out", out.toString(), "--quiet");
        if (CudaProbe.get().usable()) {
            assertEquals(0, auto.code(), auto.err());
        } else {
            assertEquals(2, auto.code(), auto.err());
            assertTrue(auto.out().contains("sweep quick-mha (") && auto.out().contains("estimated time left on cpu-"),
                    auto.out());
            assertTrue(auto.err().strip().endsWith("is sized for one GPU; the estimate above is this machine's CPU; to"
                    + " run it here anyway: ./modarch reproduce --quick --family mha --device cpu"), auto.err());
            assertTrue(!Files.exists(out.resolve("runs")), "nothing ran");
        }
        CliTest.Result cpu = CliTest.run("reproduce", "--quick", "--family", "mha", "--out", out.toString(), "--quiet",
                "--device", "cpu");
        assertEquals(0, cpu.code(), cpu.err());
        assertTrue(cpu.out().contains("| mha-regression, search version 1, length 10 | 2     | Modular    | 1   |"),
                cpu.out());
        CliTest.Result bad = CliTest.run("reproduce", "--quick", "--family", "cnn");
        assertEquals("modarch: error: --family 'cnn' is not allowed: allowed are mlp, mha, rnn", bad.err().strip());
        CliTest.Result both = CliTest.run("reproduce", "--paper", "mha", "--family", "rnn");
        assertEquals(2, both.code());
        assertEquals("modarch: error: --family and --precision go with --quick: --paper names its family itself",
                both.err().strip());
    }

    private void home(String sweep, String text) throws Exception {
        Files.createDirectories(tmp.resolve("home/sweeps"));
        Files.writeString(tmp.resolve("home/sweeps/" + sweep + ".yaml"), text);
        System.setProperty("modarch.home", tmp.resolve("home").toString());
    }
}
