package modarch.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import modarch.UserError;
import modarch.model.ModelKind;
import modarch.model.mha.MhaOptions;
import modarch.model.mlp.MlpOptions;
import modarch.model.rnn.RnnOptions;
import modarch.nn.RouterRegularization;
import modarch.backend.Precision;
import modarch.train.EvalCounts;
import modarch.train.RunId;
import modarch.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SweepFileTest {
    @TempDir
    Path tmp;

    private Sweep load(String yaml) throws IOException {
        Path file = tmp.resolve("s.yaml");
        Files.writeString(file, yaml);
        return SweepFile.load(file);
    }

    private static final String GRID = """
            name: t
            iterations: 50
            eval_every: 10
            group_size: 4
            evaluation: {performance_batches: 3, activation_batches: 2, adaptation_batches: 1, batch_size: 7}
            grids:
              - tasks: [mlp-regression, mlp-classification]
                kinds: [modular, monolithic]
                rules: [2, 4]
                capacities: [[8, 16], [16, 32]]
                data_seeds: 0..1
                seeds: [0, 1, 2]
            """;

    @Test
    void aGridExpandsToEveryCombinationInOrderAndGroupsBySizeWithinAShape() throws IOException {
        Sweep sweep = load(GRID);
        assertEquals("t", sweep.name());
        assertEquals(new EvalCounts(3, 2, 1, 7), sweep.counts());
        assertEquals(2 * 2 * 2 * 2 * 2 * 3, sweep.runs().size());
        // 16 shapes of 6 runs each, cut into groups of 4 and 2
        assertEquals(32, sweep.groups().size());
        for (int g = 0; g < sweep.groups().size(); g++) {
            ReplicaGroup group = sweep.groups().get(g);
            assertEquals(g, group.index());
            assertEquals(g % 2 == 0 ? 4 : 2, group.runs().size());
            for (SweepRun run : group.runs()) assertTrue(run.config().sameShape(group.shape()));
        }
        TrainConfig first = sweep.runs().get(0).config();
        assertEquals("mlp-regression", first.task().cliName());
        assertEquals(ModelKind.MODULAR, first.model());
        assertEquals(2, first.rules());
        assertEquals(new MlpOptions(8, 16), first.options());
        assertEquals(50, first.iterations());
        assertEquals(10, first.evalEvery());
        assertEquals(0, first.dataSeed());
        assertEquals(0, first.seed());
        assertEquals(1, sweep.runs().get(1).config().seed());
        assertEquals(1, sweep.runs().get(3).config().dataSeed());
        Set<String> ids = new HashSet<>();
        for (SweepRun run : sweep.runs()) assertTrue(ids.add(run.id()), "ids are unique");
    }

    @Test
    void idsAreStableAndNameTheRunDirectory() throws IOException {
        Sweep once = load(GRID);
        Sweep again = load(GRID.replace("name: t", "name: other"));
        for (int i = 0; i < once.runs().size(); i++) assertEquals(once.runs().get(i).id(), again.runs().get(i).id());
        SweepRun run = once.runs().get(0);
        assertEquals(RunId.LENGTH, run.id().length());
        assertTrue(run.id().matches("[0-9a-f]+"));
        assertEquals("modular-r2-8x16-data0-seed0-" + run.id(), run.name());
        assertEquals(tmp.resolve("runs/mlp-regression/" + run.name()), run.dir(tmp).root());
        assertNotEquals(run.id(), RunId.of(run.config().withSeeds(0, 1)), "the data seed is in the id");
        TrainConfig longer = new TrainConfig(run.config().task(), run.config().model(), 2, 8, 16, run.config().batchSize(),
                run.config().lr(), 51, 10, 0, 0);
        assertNotEquals(run.id(), RunId.of(longer), "the iterations are in the id");
    }

    @Test
    void familyOptionsExpandAndCapacitiesAreTheFamilysWidthPairs() throws IOException {
        Sweep sweep = load("""
                grids:
                  - tasks: mha-regression
                    kinds: [gt-modular]
                    rules: 2
                    capacities: [[32, 64]]
                    options: {search_version: [1, 2], seq_len: 6}
                  - tasks: [rnn-classification]
                    kinds: [modular-op]
                    rules: [3]
                    capacities: [[16, 24]]
                    options: {d_dim: 4, order: [1, 2]}
                """);
        assertEquals("s", sweep.name(), "the file's base name");
        assertEquals(4, sweep.runs().size());
        TrainConfig v2 = sweep.runs().get(1).config();
        assertEquals(new MhaOptions(32, 64, 2, 6, 0), v2.options());
        assertEquals(500_000, v2.iterations(), "the family's default");
        assertEquals(EvalCounts.REFERENCE, sweep.counts());
        TrainConfig rnn = sweep.runs().get(3).config();
        assertEquals(new RnnOptions(16, 24, 4, 2, 10), rnn.options(), "seq_len: the family's default");
    }

    @Test
    void routerTopKExpandsLikeAnOptionAndAllModulesIsTheDenseRun() throws IOException {
        Sweep sweep = load("""
                iterations: 5
                grids:
                  - tasks: [mlp-regression]
                    kinds: [modular-op]
                    rules: [4]
                    options: {router_topk: [0, 1, 2, 4]}
                """);
        assertEquals(3, sweep.runs().size(), "K = 4 = R is the dense run, kept once");
        assertEquals(List.of(0, 1, 2), sweep.runs().stream().map(r -> r.config().routerTopK()).toList());
        UserError refused = assertThrows(UserError.class, () -> load("""
                grids:
                  - tasks: [mlp-regression]
                    kinds: [modular]
                    rules: [4]
                    options: {router_topk: 5}
                """));
        assertTrue(refused.getMessage().contains("line 2: --router-topk 5 is not allowed: it must be in 1..4"),
                refused.getMessage());
    }

    @Test
    void regularisersWeightsExpandLikeOptionsAndNameTheirRuns() throws IOException {
        Sweep sweep = load("""
                iterations: 5
                grids:
                  - tasks: [mlp-regression]
                    kinds: [modular]
                    rules: [4]
                    options: {load_balance: [0, 0.1], mi_loss: 1}
                """);
        assertEquals(2, sweep.runs().size());
        assertEquals(new RouterRegularization(0, 0, 1), sweep.runs().get(0).config().regularization());
        assertEquals(new RouterRegularization(0.1, 0, 1), sweep.runs().get(1).config().regularization());
        assertNotEquals(sweep.runs().get(0).id(), sweep.runs().get(1).id());
        UserError refused = assertThrows(UserError.class, () -> load("""
                grids:
                  - tasks: [mlp-regression]
                    kinds: [monolithic]
                    rules: [4]
                    options: {router_z_loss: 0.5}
                """));
        assertTrue(refused.getMessage().contains("line 2: --router-z-loss applies to the learned routings"), refused.getMessage());
        UserError negative = assertThrows(UserError.class, () -> load("""
                grids:
                  - {tasks: [mlp-regression], kinds: [modular], rules: [4], options: {load_balance: [0.1, -1]}}
                """));
        assertTrue(negative.getMessage().contains("line 2: key 'load_balance': -1 must be a finite number >= 0"),
                negative.getMessage());
    }

    /**
     * precision at the top applies to every grid, a grid's own overrides it; unless fp32 it is in config.json and
     * so in the id. An fp32 run keeps the id it had before there was a choice (pinned: a run of quick.yaml, whose
     * directory the quick reproduction has always written).
     */
    @Test
    void precisionIsARecipeKeyInTheIdUnlessFp32() throws IOException {
        Sweep sweep = load("""
                iterations: 5
                precision: tf32
                grids:
                  - {tasks: [mlp-regression], kinds: [modular], rules: [2]}
                  - {tasks: [mlp-regression], kinds: [modular], rules: [4], precision: 3xtf32}
                  - {tasks: [mlp-regression], kinds: [modular], rules: [2, 4], precision: fp32}
                """);
        List<Precision> precisions = sweep.runs().stream().map(r -> r.config().precision()).toList();
        assertEquals(List.of(Precision.TF32, Precision.TF32X3, Precision.FP32, Precision.FP32), precisions);
        assertEquals("tf32", sweep.runs().get(0).config().toMap().get("precision"));
        assertFalse(sweep.runs().get(2).config().toMap().containsKey("precision"), "fp32: as before there was a choice");
        TrainConfig fp32 = sweep.runs().get(2).config();
        assertNotEquals(RunId.of(fp32), RunId.of(fp32.withPrecision(Precision.TF32)));
        assertNotEquals(RunId.of(fp32.withPrecision(Precision.TF32X3)), RunId.of(fp32.withPrecision(Precision.TF32)));
        List<String> quick = SweepFile.load(Path.of("sweeps/quick.yaml")).runs().stream().map(SweepRun::name).toList();
        assertTrue(quick.contains("gt-modular-r16-32x128-data0-seed0-afee9b2bb0"), quick.toString());
    }

    @Test
    void aRunGivenByTwoGridsIsKeptOnce() throws IOException {
        Sweep sweep = load("""
                iterations: 5
                grids:
                  - {tasks: [mlp-regression], kinds: [modular], rules: [2, 4]}
                  - {tasks: [mlp-regression], kinds: [modular], rules: [4, 8]}
                """);
        assertEquals(List.of(2, 4, 8), sweep.runs().stream().map(r -> r.config().rules()).toList());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "grids:\\n  - {tasks: [mlp-regression], kinds: [modular], rules: [2]}\\nfoo: 1|line 3: key 'foo': is not a key here",
        "grids:\\n  - tasks: [mlp-regresion]\\n    kinds: [modular]\\n    rules: [2]|line 2: key 'tasks':",
        "grids:\\n  - tasks: [mlp-regression]\\n    kinds: [modular]\\n    rules: [2, 65]|line 4: key 'rules': 65 is not allowed: it must be in 2..64",
        "grids:\\n  - tasks: [mlp-regression]\\n    kinds: [modular, modular]\\n    rules: 2|line 3: key 'kinds': 'modular' is given twice",
        "grids:\\n  - tasks: [mlp-regression]\\n    kinds: [modular]\\n    rules: 2\\n    capacities: [32, 128]|line 5: key 'capacities': each capacity is a pair [enc_dim, dim]",
        "grids:\\n  - tasks: [mlp-regression]\\n    kinds: [modular]\\n    rules: 2\\n    options: {seq_len: 5}|line 5: key 'seq_len': does not apply to mlp-regression",
        "grids:\\n  - tasks: [mlp-regression]\\n    kinds: [modular]\\n    rules: 8\\n    capacities: [[8, 4]]|line 2: --dim 4 is smaller than --rules 8",
        "grids:\\n  - tasks: [mlp-regression]\\n    kinds: [modular]|line 2: key 'rules' is missing in this grid",
        "grids:\\n  - tasks: [mlp-regression]\\n    kinds: [modular]\\n    rules: 2\\n    seeds: 3..1|line 5: key 'seeds': range 3..1 is empty",
        "grids:\\n  - tasks: [mlp-regression]\\n    kinds: [modular]\\n    rules: 2\\n    seeds: [1, x]|line 5: key 'seeds': 'x' is not an integer",
        "group_size: 0\\ngrids: []|line 1: key 'group_size': 0 is not allowed: it must be in 1..4096",
        "name: a b\\ngrids: []|line 1: key 'name': 'a b' is not allowed",
        "lr: -1\\ngrids: []|line 1: key 'lr': -1 must be a positive finite number",
        "grids: []|line 1: key 'grids': is empty",
        "iterations: 5|line 1: key 'grids' is missing",
        "grids:\\n  - tasks: [mlp-regression\\n    kinds: x|not valid YAML",
        "grids:\\n  - tasks: [mlp-regression]\\n    tasks: [mlp-regression]|line 3: key 'tasks': is given twice",
        "evaluation: {activation_batches: 0}\\ngrids: []|line 1: key 'activation_batches': 0 is not allowed",
        "precision: fp16\\ngrids: []|line 1: key 'precision': precision 'fp16' is not one of fp32, tf32, 3xtf32",
        "grids:\\n  - {tasks: [mlp-regression], kinds: [modular], rules: [2], precision: [tf32]}|line 2: key 'precision': must be a single value",
    })
    void aBadFileIsOneLineNamingTheLineAndTheKey(String yaml, String expected) {
        UserError error = assertThrows(UserError.class, () -> load(yaml.replace("\\n", "\n")));
        assertTrue(error.getMessage().contains(expected), error.getMessage());
        assertTrue(error.getMessage().startsWith(tmp.resolve("s.yaml").toString()), error.getMessage());
        assertEquals(1, error.getMessage().lines().count(), error.getMessage());
    }

    @Test
    void aMissingOrEmptyFileIsBadInput() throws IOException {
        assertTrue(assertThrows(UserError.class, () -> SweepFile.load(tmp.resolve("none.yaml"))).getMessage()
                .contains("does not exist"));
        Files.writeString(tmp.resolve("empty.yaml"), "# nothing\n");
        assertTrue(assertThrows(UserError.class, () -> SweepFile.load(tmp.resolve("empty.yaml"))).getMessage()
                .contains("is empty"));
    }

    @Test
    void theShippedSweepFilesLoadWithThePapersGrids() throws IOException {
        Path sweeps = Path.of("sweeps");
        Sweep mlp = SweepFile.load(sweeps.resolve("paper-mlp.yaml"));
        assertEquals(5000, mlp.runs().size(), "5 rules x 5 capacities x 5 data seeds x 5 seeds x 4 kinds x 2 tasks");
        assertEquals(200, mlp.groups().size(), "one group of 25 seeds per cell");
        assertEquals(100_000, mlp.runs().get(0).config().iterations());
        Sweep mha = SweepFile.load(sweeps.resolve("paper-mha.yaml"));
        assertEquals(2 * 5 * 5 * 25 * 4 * 2, mha.runs().size(), "both search versions");
        assertEquals(500_000, mha.runs().get(0).config().iterations());
        Sweep rnn = SweepFile.load(sweeps.resolve("paper-rnn.yaml"));
        assertEquals(32, ((RnnOptions) rnn.runs().get(0).config().options()).dDim());
        assertEquals(500_000, rnn.runs().get(0).config().iterations());
        Sweep remedies = SweepFile.load(sweeps.resolve("collapse-remedies.yaml"));
        assertEquals(3 * 2 * 12 * 9, remedies.runs().size(),
                "3 rules x 2 kinds x (none + 3 regularisers x 3 weights + top-1, top-2) x 3 data seeds x 3 seeds");
        assertTrue(remedies.runs().stream().anyMatch(r -> r.config().regularization().miLoss() == 1.0));
        assertTrue(remedies.runs().stream().anyMatch(r -> r.config().routerTopK() == 1));
        Sweep quick = SweepFile.load(sweeps.resolve("quick.yaml"));
        assertTrue(quick.runs().stream().allMatch(r -> r.config().task().family().name().equals("mlp")));
        assertEquals(4, quick.runs().stream().map(r -> r.config().model()).distinct().count());
        for (String family : new String[] {"mha", "rnn"}) {
            Sweep familyQuick = SweepFile.load(sweeps.resolve("quick-" + family + ".yaml"));
            assertEquals(72, familyQuick.runs().size(), "4 kinds x 3 rules x 2 data seeds x 3 seeds");
            assertEquals(12, familyQuick.groups().size(), family);
            assertTrue(familyQuick.runs().stream().allMatch(r -> r.config().task().family().name().equals(family)));
        }
    }
}
