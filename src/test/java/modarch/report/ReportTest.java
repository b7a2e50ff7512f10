package modarch.report;

import static modarch.model.ModelKind.GT_MODULAR;
import static modarch.model.ModelKind.MODULAR;
import static modarch.model.ModelKind.MONOLITHIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import modarch.UserError;
import modarch.train.RunId;
import modarch.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    @TempDir
    Path tmp;

    private static final double[][] IDENTITY_2 = {{0.5, 0}, {0, 0.5}};

    /** Three Modular and three Monolithic mlp-regression runs (rules 2), losses 1, 2, 6 and 2, 2, 2. */
    private Path mlpGrid() throws IOException {
        Path results = tmp.resolve("results");
        double[] modular = {1, 2, 6};
        for (int s = 0; s < 3; s++) {
            TestRuns.complete(results.resolve("modular-s" + s), TestRuns.mlp(MODULAR, 2, 0, s), "loss", modular[s],
                    "ood_loss", 10.0 + s, "collapse_avg", 0.1 * s, "collapse_worst", 0.2, "alignment", 0.25,
                    "adaptation", 0.125, "mutual_information", 0.5, "inverse_mutual_information", 0.75,
                    "activation_matrix", new double[][] {{0.25, 0.25}, {0, 0.5}});
            TestRuns.complete(results.resolve("runs/monolithic-s" + s), TestRuns.mlp(MONOLITHIC, 2, 0, s), "loss", 2.0,
                    "ood_loss", 20.0);
        }
        return results;
    }

    @Test
    void csvHasOneTidyRowPerRunWithEveryNumericMetric() throws IOException {
        Path results = mlpGrid();
        // a GT-Modular run in a directory whose name needs quoting, with the sweep runner's sweep.json
        TrainConfig gt = TestRuns.mlp("mlp-regression", GT_MODULAR, 2, 64, 256, 3, 7);
        Path odd = TestRuns.complete(results.resolve("gt, \"odd\""), gt, "loss", 0.5, "ood_loss", 1.5, "alignment", 0.0,
                "activation_matrix", IDENTITY_2);
        Files.writeString(odd.resolve("sweep.json"), "{\"sweep\": \"quick\", \"run_id\": \"3fa9c2d1e0\", \"group\": 3,"
                + " \"replicas\": 3, \"train_seconds\": 41.2, \"trained_from\": 0, \"eval_seconds\": 2.1}");
        // an mha run with per-length metrics
        TrainConfig mha = TestRuns.mha("mha-regression", MODULAR, 2, 0);
        TestRuns.complete(results.resolve("mha"), mha, "loss", 0.5, "ood_loss", 0.7, "loss_len_3", 0.3, "loss_len_30",
                0.9, "ood_loss_len_30", 1.9, "ood_loss_len_3", 0.6, "loss_len_10", 0.5, "ood_loss_len_10", 0.7);
        Path out = tmp.resolve("out");
        Report.load(results).writeTo(out);

        List<List<String>> csv = TestRuns.parseCsv(Files.readString(out.resolve(Report.CSV)));
        List<String> header = csv.get(0);
        List<String> expected = new ArrayList<>(ResultsCsv.FIXED);
        expected.addAll(List.of("loss", "ood_loss", "loss_len_3", "loss_len_10", "loss_len_30", "ood_loss_len_3",
                "ood_loss_len_10", "ood_loss_len_30", "collapse_avg", "collapse_worst", "alignment", "adaptation",
                "mutual_information", "inverse_mutual_information"));
        assertEquals(expected, header);
        assertEquals(1 + 8, csv.size(), "a header and 8 runs");
        for (List<String> record : csv) assertEquals(header.size(), record.size());

        Map<String, String> gtRow = record(csv, "gt, \"odd\"");
        assertEquals("mlp", gtRow.get("family"));
        assertEquals("mlp-regression", gtRow.get("task"));
        assertEquals("gt-modular", gtRow.get("kind"));
        assertEquals("2", gtRow.get("rules"));
        assertEquals("64x256", gtRow.get("capacity"));
        assertEquals("3", gtRow.get("data_seed"));
        assertEquals("7", gtRow.get("seed"));
        assertEquals("1234", gtRow.get("parameters"));
        assertEquals("600", gtRow.get("iterations"));
        assertEquals("cpu-vector", gtRow.get("backend"));
        assertEquals(41.2, Double.parseDouble(gtRow.get("seconds")));
        assertEquals(2.5, Double.parseDouble(gtRow.get("eval_seconds")));
        assertEquals("", gtRow.get("search_version"));
        assertEquals("", gtRow.get("seq_len"));
        assertEquals("3fa9c2d1e0", gtRow.get("run_id"));
        assertEquals("complete", gtRow.get("status"));
        assertEquals(0.5, Double.parseDouble(gtRow.get("loss")));
        assertEquals(1.5, Double.parseDouble(gtRow.get("ood_loss")));
        assertEquals("0.0", gtRow.get("alignment"));
        assertEquals("", gtRow.get("collapse_avg"), "a metric this run lacks");
        assertEquals("", gtRow.get("loss_len_3"));

        Map<String, String> mhaRow = record(csv, "mha");
        assertEquals("mha", mhaRow.get("family"));
        assertEquals("32x64", mhaRow.get("capacity"), "mha: dim x att_dim");
        assertEquals("1", mhaRow.get("search_version"));
        assertEquals("10", mhaRow.get("seq_len"));
        assertEquals("0", mhaRow.get("attention_topk"));
        assertEquals("", mhaRow.get("d_dim"));
        assertEquals("", mhaRow.get("seconds"), "no sweep.json");
        assertEquals(RunId.of(mha), mhaRow.get("run_id"), "no sweep.json: the id of its options");
        assertEquals(1.9, Double.parseDouble(mhaRow.get("ood_loss_len_30")));
        assertEquals("runs/monolithic-s1", record(csv, "runs/monolithic-s1").get("path"));
    }

    private static Map<String, String> record(List<List<String>> csv, String path) {
        List<String> header = csv.get(0);
        int column = header.indexOf("path");
        List<String> row = csv.stream().filter(r -> r.get(column).equals(path)).findFirst().orElseThrow();
        Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < header.size(); i++) map.put(header.get(i), row.get(i));
        return map;
    }

    @Test
    void statusIncompleteDivergedAndCorruptRunsAreCountedNotAggregated() throws IOException {
        Path results = mlpGrid();
        TestRuns.config(results.resolve("untested"), TestRuns.mlp(MODULAR, 2, 0, 10));      // no metrics.json
        Path early = TestRuns.config(results.resolve("early"), TestRuns.mlp(MODULAR, 2, 0, 11));
        TestRuns.metrics(early, 300, "loss", 100.0, "ood_loss", 100.0);                     // an earlier checkpoint
        Path diverged = TestRuns.config(results.resolve("diverged"), TestRuns.mlp(MODULAR, 2, 0, 12));
        TestRuns.log(diverged, TestRuns.evaluation(0, 1), "{\"iteration\":250,\"event\":\"diverged\",\"reason\":\"train_loss NaN\"}");
        Path corrupt = TestRuns.complete(results.resolve("corrupt"), TestRuns.mlp(MODULAR, 2, 0, 13), "loss", 100.0);
        Files.writeString(corrupt.resolve("metrics.json"), "{\"iteration\": 600, \"loss\":");
        Path badConfig = TestRuns.complete(results.resolve("bad-config"), TestRuns.mlp(MODULAR, 2, 0, 14), "loss", 100.0);
        Files.writeString(badConfig.resolve("config.json"), Files.readString(badConfig.resolve("config.json"))
                .replace("\"rules\" : 2", "\"rules\" : \"two\""));

        Report report = Report.load(results);
        assertEquals(2, report.warnings().size(), report.warnings().toString());
        assertTrue(report.warnings().get(0).contains(badConfig.resolve("config.json").toString()), report.warnings().get(0));
        assertTrue(report.warnings().get(1).contains(corrupt.resolve("metrics.json").toString()), report.warnings().get(1));
        Map<String, RunStatus> status = new java.util.HashMap<>();
        for (RunRow row : report.rows()) status.put(row.path(), row.status());
        assertEquals(RunStatus.INCOMPLETE, status.get("untested"));
        assertEquals(RunStatus.INCOMPLETE, status.get("early"));
        assertEquals(RunStatus.DIVERGED, status.get("diverged"));
        assertEquals(RunStatus.COMPLETE, status.get("modular-s0"));

        Path out = tmp.resolve("out");
        report.writeTo(out);
        String md = Files.readString(out.resolve(Report.MARKDOWN));
        assertTrue(md.contains("Runs found: 9 (6 complete, 2 incomplete, 1 diverged); skipped for a corrupt file: 2."), md);
        assertTrue(md.contains("- `early` (Modular, rules 2): incomplete: metrics.json at iteration 300 of 600"), md);
        assertTrue(md.contains("- `diverged` (Modular, rules 2): diverged: train_loss NaN at iteration 250"), md);
        assertTrue(md.contains("- `untested` (Modular, rules 2): incomplete: no metrics.json"), md);
        // the loss 100 of the early run is not in the Modular mean (1, 2, 6)
        assertTrue(tableRow(md, "| 2 ", "| Modular ").contains("| 3   | 3.000 ± 6.572 "), md);
        assertEquals(10, TestRuns.parseCsv(Files.readString(out.resolve(Report.CSV))).size(), "a header and 9 runs");
    }

    /** The line of md's table that contains every part. */
    static String tableRow(String md, String... parts) {
        return md.lines().filter(l -> Stream.of(parts).allMatch(l::contains)).findFirst().orElse("no such row");
    }

    @Test
    void markdownHasMeansIntervalsRandomRowAndWins() throws IOException {
        Path out = tmp.resolve("out");
        Report.load(mlpGrid()).writeTo(out);
        String md = Files.readString(out.resolve(Report.MARKDOWN));
        // Modular: loss 1, 2, 6; OoD 10, 11, 12 (mean 11, s 1: 4.302653 / sqrt 3 = 2.484138); Collapse-Avg 0, 0.1, 0.2
        String modular = tableRow(md, "| 2 ", "| Modular ");
        assertTrue(modular.contains("| 3.000 ± 6.572 | 11.00 ± 2.484 | 0.1000 ± 0.2484 | 0.2000 ± 0 "), modular);
        String monolithic = tableRow(md, "| 2 ", "| Monolithic ");
        assertTrue(monolithic.contains("| 2.000 ± 0 ") && monolithic.contains("| 20.00 ± 0 ")
                && monolithic.contains("| — "), monolithic);
        // Random, R = 2: the uniform matrix: no collapse, alignment 0.5, inverse MI 1 (plot_main.py's add_random)
        String random = tableRow(md, "| 2 ", "| Random ");
        assertTrue(random.matches(".*\\| 0 +\\| 0 +\\| 0\\.5000 +\\| 0\\.2567 +\\| 1\\.000 +\\|"), random);
        // every cell (data seed 0) holds both kinds: Monolithic's 2 beats Modular's mean 3, Modular's 11 beats 20
        assertTrue(tableRow(md, "| ID, all kinds ").matches("\\| ID, all kinds +\\| 1 +\\| 0 +\\| — +\\| — +\\| 1 +\\| 0 +\\|"),
                tableRow(md, "| ID, all kinds "));
        assertTrue(tableRow(md, "| OoD, Modular vs Monolithic ").matches(".*\\| 0 +\\| 1 +\\|"),
                tableRow(md, "| OoD, Modular vs Monolithic "));
        assertTrue(md.contains("![mlp-regression-performance](plots/mlp-regression-performance.png)"), md);
        assertTrue(md.contains("Modular: rules 2, 32x128, data seed 0, seed 0."), "the heatmap's cell: " + md);
    }

    @Test
    void plotsArePngAndSvgOfTheFigureSize() throws Exception {
        Path out = tmp.resolve("out");
        Report.load(mlpGrid()).writeTo(out);
        Map<String, int[]> sizes = Map.of(
                "mlp-regression-performance", new int[] {2 * ChartStyle.WIDTH, ChartStyle.HEIGHT},
                "mlp-regression-metrics", new int[] {3 * ChartStyle.WIDTH, 2 * ChartStyle.HEIGHT},
                "mlp-regression-training", new int[] {2 * ChartStyle.WIDTH, ChartStyle.HEIGHT},
                "mlp-regression-heatmap-r2", new int[] {ChartStyle.WIDTH, ChartStyle.WIDTH});
        for (Map.Entry<String, int[]> e : sizes.entrySet()) {
            FigureFiles.assertDrawn(out.resolve(Report.PLOTS), e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        try (Stream<Path> files = Files.list(out.resolve(Report.PLOTS))) {
            assertEquals(8, files.count(), "4 figures x PNG, SVG, no temporary file left");
        }
    }

    /** Kinds missing at some rules, single runs, a run without log.jsonl, a variant with no complete run. */
    @Test
    void plotsSurviveGapsAndLoneRuns() throws IOException {
        Path results = tmp.resolve("results");
        TestRuns.complete(results.resolve("gt2"), TestRuns.mlp(GT_MODULAR, 2, 0, 0), "loss", 0.5, "ood_loss", 1.0,
                "alignment", 0.0, "activation_matrix", IDENTITY_2);
        TestRuns.complete(results.resolve("gt16"), TestRuns.mlp(GT_MODULAR, 16, 0, 0), "loss", 0.5, "ood_loss", 1.0,
                "alignment", 0.0);
        Path mono = TestRuns.complete(results.resolve("mono16"), TestRuns.mlp(MONOLITHIC, 16, 0, 0), "loss", 0.7);
        Files.delete(mono.resolve("log.jsonl"));
        TestRuns.config(results.resolve("rnn"), new TrainConfig(modarch.model.Registry.task("rnn-regression"), MODULAR,
                2, new modarch.model.rnn.RnnOptions(16, 16, 4, 1, 10), 256, 1e-4, 100, 50, 0, 0));
        Path out = tmp.resolve("out");
        Report report = Report.load(results);
        report.writeTo(out);
        try (Stream<Path> files = Files.list(out.resolve(Report.PLOTS))) {
            assertEquals(List.of("mlp-regression-heatmap-r2", "mlp-regression-metrics", "mlp-regression-performance",
                    "mlp-regression-training"), files.map(p -> p.getFileName().toString().replaceAll("\\.(png|svg)$", ""))
                    .distinct().sorted().toList(), "no figure for the rnn variant, which has no complete run");
        }
        String md = Files.readString(out.resolve(Report.MARKDOWN));
        assertTrue(md.contains("## rnn-regression, d 4, order 1, length 10\n\nRuns: 1 (0 complete, 1 incomplete, 0"
                + " diverged)"), md);
        assertTrue(report.headline().lines().noneMatch(l -> l.contains("rnn-regression")), report.headline());
    }

    @Test
    void sequenceTasksMeasureOodAtTheLongestLength() throws IOException {
        Path results = tmp.resolve("results");
        TestRuns.complete(results.resolve("a"), TestRuns.mha("mha-classification", MODULAR, 2, 0), "loss", 0.5,
                "error", 12.0, "ood_error", 20.0, "error_len_30", 30.0, "ood_error_len_30", 45.0,
                "ood_error_len_5", 25.0);
        Report report = Report.load(results);
        Section section = Section.of(report.rows()).get(0);
        assertEquals("mha-classification, search version 1, length 10", section.title());
        assertEquals("error", section.performance().key(Quantity.ID));
        assertEquals("ood_error_len_30", section.performance().key(Quantity.OOD));
        assertTrue(report.headline().contains("| 12.00 "), report.headline());
        assertTrue(report.headline().contains("| 45.00 "), report.headline());
    }

    @Test
    void variantsOfOneTaskWithTwoRecipesAreNamedApart() throws IOException {
        Path results = tmp.resolve("results");
        TestRuns.complete(results.resolve("a"), TestRuns.mlp(MODULAR, 2, 0, 0), "loss", 0.5);
        TrainConfig longer = TestRuns.mlp(MODULAR, 2, 0, 0);
        longer = new TrainConfig(longer.task(), longer.model(), 2, 32, 128, 256, 1e-4, 1200, 300, 0, 0);
        TestRuns.complete(results.resolve("b"), longer, "loss", 0.5);
        List<Section> sections = Section.of(Report.load(results).rows());
        assertEquals(List.of("mlp-regression, 600 iterations, batch 256, lr 0.0001",
                "mlp-regression, 1200 iterations, batch 256, lr 0.0001"), sections.stream().map(Section::title).toList());
        assertEquals("mlp-regression-it1200-b256-lr0.0001", sections.get(1).slug());
    }

    @Test
    void heatmapRulesMustBePresent() throws IOException {
        Report report = Report.load(mlpGrid());
        UserError e = assertThrows(UserError.class, () -> report.withHeatmapRules(8));
        assertEquals("--heatmap-rules 8 is not allowed: no complete routed run with an activation matrix has 8 rules;"
                + " present are 2", e.getMessage());
        report.withHeatmapRules(2);
    }

    @Test
    void noRunIsBadInput() throws IOException {
        Files.createDirectories(tmp.resolve("empty/a/b"));
        UserError e = assertThrows(UserError.class, () -> Report.load(tmp.resolve("empty")));
        assertTrue(e.getMessage().contains("holds no readable run"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("empty/report")));
    }
}
