package modarch.report;

import static modarch.model.ModelKind.MODULAR;
import static modarch.model.ModelKind.MODULAR_OP;
import static modarch.model.ModelKind.MONOLITHIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import modarch.model.ModelKind;
import modarch.report.Remedy.Lever;
import modarch.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemedyReportTest {
    private static final Remedy LOAD_BALANCE = Remedy.of(Lever.LOAD_BALANCE, 0.1);
    private static final Remedy MI_LOSS = Remedy.of(Lever.MI_LOSS, 1);
    private static final Remedy Z_LOSS = Remedy.of(Lever.ROUTER_Z_LOSS, 0.01);
    private static final Remedy BOTH = new Remedy(Map.of(Lever.LOAD_BALANCE, 0.1, Lever.MI_LOSS, 0.1));

    @TempDir
    Path tmp;

    /**
     * mlp-regression at rules 2 and 4, Modular and Modular-op: the paper's recipe (3 seeds, losses 1, 1, 1, collapse
     * 0.5), load balance 0.1 (losses 1, 2, 6, collapse 0, 0.1, 0.2), MI loss 1 (one seed, loss 4), a combined remedy
     * (load balance 0.1 + MI loss 0.1) and an incomplete router z-loss 0.01 run; a Monolithic run of the paper's
     * recipe.
     */
    private Path study() throws IOException {
        Path results = tmp.resolve("results");
        double[] balanced = {1, 2, 6};
        for (ModelKind kind : List.of(MODULAR, MODULAR_OP)) {
            for (int rules : List.of(2, 4)) {
                String cell = kind.cliName() + "-r" + rules;
                for (int s = 0; s < 3; s++) {
                    TestRuns.complete(results.resolve(cell + "-paper-s" + s), TestRuns.mlp(kind, rules, 0, s),
                            "loss", 1.0, "ood_loss", 2.0, "collapse_avg", 0.5, "collapse_worst", 0.75, "alignment",
                            0.5, "inverse_mutual_information", 0.9);
                    TestRuns.complete(results.resolve(cell + "-lb0.1-s" + s),
                            TestRuns.regularized(TestRuns.mlp(kind, rules, 0, s), 0.1, 0, 0), "loss", balanced[s],
                            "ood_loss", 10.0 + s, "collapse_avg", 0.1 * s, "collapse_worst", 0.25, "alignment", 0.5,
                            "inverse_mutual_information", 0.9);
                }
                TestRuns.complete(results.resolve(cell + "-mi1"), TestRuns.regularized(TestRuns.mlp(kind, rules, 0, 0),
                        0, 0, 1), "loss", 4.0, "ood_loss", 8.0, "collapse_avg", 0.0, "collapse_worst", 1.0,
                        "alignment", 0.0, "inverse_mutual_information", 0.0);
                TestRuns.complete(results.resolve(cell + "-lb-mi"), TestRuns.regularized(TestRuns.mlp(kind, rules, 0,
                        0), 0.1, 0, 0.1), "loss", 3.0, "ood_loss", 6.0);
            }
        }
        TestRuns.config(results.resolve("modular-r2-z0.01"), TestRuns.regularized(TestRuns.mlp(MODULAR, 2, 0, 0), 0,
                0.01, 0));
        TestRuns.complete(results.resolve("monolithic-r2"), TestRuns.mlp(MONOLITHIC, 2, 0, 0), "loss", 1.5,
                "ood_loss", 3.0);
        return results;
    }

    @Test
    void runsDifferingOnlyInTheirRemedyShareOneVariant() throws IOException {
        List<RunRow> rows = Report.load(study()).rows();
        List<RemedySection> remedies = RemedySection.of(rows);
        assertEquals(1, remedies.size(), "one base variant");
        RemedySection r = remedies.get(0);
        assertEquals("mlp-regression", r.title());
        assertEquals(List.of(Remedy.NONE, LOAD_BALANCE, Z_LOSS, MI_LOSS, BOTH), r.remedies(),
                "the paper's recipe first, then by lever and level, then those pulling several levers");
        assertEquals(List.of(MODULAR_OP, MODULAR), r.kinds(), "the kinds under a remedy, not Monolithic");
        assertEquals(List.of(2, 4), r.rules());
        assertEquals(List.of(Lever.LOAD_BALANCE, Lever.MI_LOSS), r.levers(),
                "the levers pulled alone in a complete run (z-loss has none, the combined remedy is no line)");
        assertEquals(List.of(0.0, 0.1, 1.0), r.levels(r.levers()));
        assertEquals(3, r.count(Remedy.NONE, MODULAR, 4));
        assertEquals(0, r.count(Z_LOSS, MODULAR, 2), "incomplete");

        // the ordinary section holds the paper's recipe only: 12 routed runs and Monolithic's
        List<Section> sections = Section.of(rows);
        assertEquals(1, sections.size());
        assertEquals(13, sections.get(0).runs().size());
        assertTrue(sections.get(0).runs().stream().allMatch(run -> run.remedy().none()));
    }

    @Test
    void remediesAreOrderedAndNamedByLeverAndLevel() {
        assertEquals("none (the paper's recipe)", Remedy.NONE.label());
        assertEquals("load balance 0.1", LOAD_BALANCE.label());
        assertEquals("load balance 0.1 + MI loss 0.1", BOTH.label());
        assertEquals(Remedy.NONE, Remedy.of(Lever.MI_LOSS, 0), "a lever at 0 is not pulled");
        assertEquals(Remedy.NONE, Remedy.of(TestRuns.mlp(MODULAR, 2, 0, 0)));
        assertEquals(BOTH, Remedy.of(TestRuns.regularized(TestRuns.mlp(MODULAR, 2, 0, 0), 0.1, 0, 0.1)));
        assertEquals(Lever.MI_LOSS, MI_LOSS.lever());
        assertNull(BOTH.lever());
        List<Remedy> sorted = Stream.of(BOTH, MI_LOSS, Remedy.of(Lever.LOAD_BALANCE, 1), Remedy.NONE, LOAD_BALANCE)
                .sorted().toList();
        assertEquals(List.of(Remedy.NONE, LOAD_BALANCE, Remedy.of(Lever.LOAD_BALANCE, 1), MI_LOSS, BOTH), sorted);
    }

    @Test
    void everyLeversLineStartsFromThePapersRecipe() throws IOException {
        RemedySection r = RemedySection.of(Report.load(study()).rows()).get(0);
        List<Double> levels = r.levels(r.levers());
        for (Quantity q : RemedySection.QUANTITIES) {
            Interval paper = r.interval(Remedy.NONE, MODULAR_OP, 2, q);
            assertEquals(3, paper.n(), q.label);
            for (Lever lever : r.levers()) {
                List<Interval> line = r.line(lever, levels, MODULAR_OP, 2, q);
                assertEquals(levels.size(), line.size());
                assertEquals(paper, line.get(0), lever + ", " + q.label + ": the shared start");
            }
        }
        List<Interval> balance = r.line(Lever.LOAD_BALANCE, levels, MODULAR_OP, 2, Quantity.ID);
        assertEquals(3.0, balance.get(1).mean(), 1e-12);
        assertEquals(0, balance.get(2).n(), "no load balance run at 1");
        List<Interval> mi = r.line(Lever.MI_LOSS, levels, MODULAR_OP, 2, Quantity.ID);
        assertEquals(0, mi.get(1).n(), "no MI loss run at 0.1 alone");
        assertEquals(4.0, mi.get(2).mean());
    }

    @Test
    void theSectionTabulatesEachRemedysMeanAndInterval() throws IOException {
        Path out = tmp.resolve("out");
        Report.load(study()).writeTo(out);
        String md = Files.readString(out.resolve(Report.MARKDOWN));
        String remedies = md.substring(md.indexOf("## Remedies against collapse: mlp-regression\n"));
        assertTrue(md.indexOf("## mlp-regression\n") < md.indexOf("## Remedies against collapse"), md);
        assertTrue(remedies.contains("Runs: 34 (33 complete, 1 incomplete, 0 diverged)."), remedies);
        String modular4 = remedies.substring(remedies.indexOf("### Modular, 4 rules\n"));
        // load balance 0.1: loss 1, 2, 6 (3.000 ± 6.572); OoD 10, 11, 12 (11.00 ± 2.484); Collapse-Avg 0, 0.1, 0.2
        String balanced = ReportTest.tableRow(modular4, "| load balance 0.1 ");
        assertTrue(balanced.matches("\\| load balance 0\\.1 +\\| 3 +\\| 3\\.000 ± 6\\.572 +\\| 11\\.00 ± 2\\.484 +\\|"
                + " 0\\.1000 ± 0\\.2484 +\\| 0\\.2500 ± 0 +\\| 0\\.5000 ± 0 +\\| 0\\.9000 ± 0 +\\|"), balanced);
        List<String> firstColumn = modular4.lines().skip(4).takeWhile(l -> l.startsWith("|"))
                .map(l -> l.substring(2, l.indexOf(" |"))).map(String::strip).toList();
        assertEquals(List.of("none (the paper's recipe)", "load balance 0.1", "router z-loss 0.01", "MI loss 1",
                "load balance 0.1 + MI loss 0.1", "Random"), firstColumn);
        assertTrue(ReportTest.tableRow(modular4, "| router z-loss 0.01 ").matches("\\| router z-loss 0\\.01 +\\| 0 +"
                + "(\\| — +)+\\|"), "no complete run: " + ReportTest.tableRow(modular4, "| router z-loss 0.01 "));
        assertTrue(ReportTest.tableRow(modular4, "| MI loss 1 ").matches("\\| MI loss 1 +\\| 1 +\\| 4\\.000 +\\|"
                + " 8\\.000 +\\| 0 .*"), "one run, its value without an interval: "
                + ReportTest.tableRow(modular4, "| MI loss 1 "));
        assertTrue(remedies.contains("- `modular-r2-z0.01` (Modular, rules 2, router z-loss 0.01): incomplete: no"
                + " metrics.json"), remedies);
        assertTrue(remedies.contains("![mlp-regression-remedies-collapse-avg](plots/mlp-regression-remedies-"
                + "collapse-avg.png)"), remedies);
        // the paper's comparison of kinds comes from the paper's recipe alone
        assertTrue(ReportTest.tableRow(md, "| 2 ", "| Modular ").contains("| 3   | 1.000 ± 0 "), md);
    }

    @Test
    void oneFigurePerQuantityPanelsPerKindAndRules() throws Exception {
        Path out = tmp.resolve("out");
        Report.load(study()).writeTo(out);
        List<String> stems = List.of("id", "ood", "collapse-avg", "collapse-worst", "alignment", "inverse-mi");
        for (String stem : stems) {
            FigureFiles.assertDrawn(out.resolve(Report.PLOTS), "mlp-regression-remedies-" + stem,
                    2 * ChartStyle.WIDTH, 2 * ChartStyle.HEIGHT);
        }
        try (Stream<Path> files = Files.list(out.resolve(Report.PLOTS))) {
            assertEquals(6 * 2, files.filter(f -> f.getFileName().toString().contains("-remedies-")).count());
        }
    }

    @Test
    void csvHasEachRunsLevers() throws IOException {
        Path out = tmp.resolve("out");
        Report.load(study()).writeTo(out);
        List<List<String>> csv = TestRuns.parseCsv(Files.readString(out.resolve(Report.CSV)));
        List<String> header = csv.get(0);
        int lb = header.indexOf("load_balance");
        assertEquals(List.of("load_balance", "router_z_loss", "mi_loss"), header.subList(lb, lb + 3));
        int path = header.indexOf("path");
        Map<String, List<String>> levers = new HashMap<>();
        for (List<String> row : csv.subList(1, csv.size())) levers.put(row.get(path), row.subList(lb, lb + 3));
        assertEquals(List.of("0", "0", "0"), levers.get("monolithic-r2"));
        assertEquals(List.of("0.1", "0", "0.1"), levers.get("modular-r4-lb-mi"));
        assertEquals(List.of("0", "0.01", "0"), levers.get("modular-r2-z0.01"));
    }

    @Test
    void noRemedyRunNoRemediesSection() throws IOException {
        Path results = tmp.resolve("results");
        for (int s = 0; s < 2; s++) {
            TestRuns.complete(results.resolve("modular-s" + s), TestRuns.mlp(MODULAR, 2, 0, s), "loss", 1.0,
                    "ood_loss", 2.0);
        }
        Path out = tmp.resolve("out");
        Report.load(results).writeTo(out);
        assertFalse(Files.readString(out.resolve(Report.MARKDOWN)).contains("Remedies"));
        try (Stream<Path> files = Files.list(out.resolve(Report.PLOTS))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains("remedies")));
        }
        assertTrue(RemedySection.of(Report.load(results).rows()).isEmpty());
    }

    /** A folder of remedy runs alone: no section of the paper's recipe, the remedies section says so. */
    @Test
    void remediesWithoutThePapersRecipe() throws IOException {
        Path results = tmp.resolve("results");
        TrainConfig balanced = TestRuns.regularized(TestRuns.mlp(MODULAR, 2, 0, 0), 1, 0, 0);
        TestRuns.complete(results.resolve("lb"), balanced, "loss", 1.0, "ood_loss", 2.0, "alignment", 0.5);
        Path out = tmp.resolve("out");
        Report report = Report.load(results);
        report.writeTo(out);
        String md = Files.readString(out.resolve(Report.MARKDOWN));
        assertFalse(md.contains("## mlp-regression\n"), md);
        assertTrue(md.contains("this variant has no run of the paper's recipe."), md);
        assertTrue(ReportTest.tableRow(md, "| none (the paper's recipe) ").matches(".*\\| 0 +(\\| — +)+\\|"), md);
        assertTrue(ReportTest.tableRow(md, "| load balance 1 ").matches("\\| load balance 1 +\\| 1 +\\| 1\\.000 .*"),
                md);
        assertTrue(Files.exists(out.resolve(Report.PLOTS).resolve("mlp-regression-remedies-alignment.png")));
    }
}
