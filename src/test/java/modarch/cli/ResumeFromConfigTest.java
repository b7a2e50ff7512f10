package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import modarch.io.Json;
import modarch.train.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `train --resume --out DIR`, the line an interrupted train prints, continues the run (or the replica runs inside
 * DIR) from its config.json alone; options given again must agree with it, and without --resume --task and --model
 * are required as before.
 */
class ResumeFromConfigTest {
    @TempDir
    Path tmp;

    private static List<String> train(Path out, long iterations, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--task", "mlp-regression", "--model", "modular",
                "--rules", "2", "--enc-dim", "8", "--dim", "16", "--batch-size", "16", "--iterations", "" + iterations,
                "--eval-every", "2", "--quiet", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args;
    }

    private static void ok(List<String> args) {
        CliTest.Result result = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
    }

    /** A run stopped at its iteration-2 checkpoint: trained for 2 iterations, its config then asking for 4. */
    private static void stopAtTwo(Path run) throws IOException {
        Path config = run.resolve(RunDirectory.CONFIG);
        ObjectNode json = (ObjectNode) Json.MAPPER.readTree(config.toFile());
        json.put("iterations", 4);
        Files.writeString(config, Json.PRETTY.writeValueAsString(json) + "\n");
    }

    @Test
    void aRunContinuesFromItsConfigAlone() throws IOException {
        Path whole = tmp.resolve("whole");
        ok(train(whole, 4));
        Path stopped = tmp.resolve("stopped");
        ok(train(stopped, 2));
        stopAtTwo(stopped);

        CliTest.Result resumed = CliTest.run("train", "--resume", "--out", stopped.toString(), "--quiet");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(resumed.out().replace(stopped.toString(), "RUN"),
                CliTest.run("train", "--resume", "--out", whole.toString(), "--quiet").out().replace(whole.toString(), "RUN"));
        assertArrayEquals(Files.readAllBytes(whole.resolve(RunDirectory.MODEL_LAST)),
                Files.readAllBytes(stopped.resolve(RunDirectory.MODEL_LAST)), "the same bits as a run never stopped");
        assertEquals(Files.readAllLines(whole.resolve(RunDirectory.LOG)).size(),
                Files.readAllLines(stopped.resolve(RunDirectory.LOG)).size());
    }

    @Test
    void aReplicaGroupContinuesFromItsParentDirectory() throws IOException {
        Path group = tmp.resolve("group");
        ok(train(group, 2, "--seeds", "3,4", "--data-seeds", "1,2"));
        for (String replica : List.of("seed3-data1", "seed4-data2")) stopAtTwo(group.resolve(replica));

        CliTest.Result resumed = CliTest.run("train", "--resume", "--out", group.toString(), "--quiet");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(2, resumed.out().lines().filter(l -> l.contains("iteration 4")).count(), resumed.out());
        for (String replica : List.of("seed3-data1", "seed4-data2")) {
            assertEquals(4, new RunDirectory(group.resolve(replica)).lastLoggedIteration());
        }
    }

    @Test
    void optionsGivenAgainMustAgreeWithTheRun() throws IOException {
        Path run = tmp.resolve("run");
        ok(train(run, 2));
        for (String[] given : List.of(new String[] {"--rules", "3"}, new String[] {"--model", "monolithic"},
                new String[] {"--seed", "9"})) {
            List<String> args = new ArrayList<>(List.of("train", "--resume", "--out", run.toString(), "--quiet"));
            args.addAll(List.of(given));
            CliTest.Result refused = CliTest.run(args.toArray(String[]::new));
            assertEquals(2, refused.code(), refused.err());
            assertEquals(1, refused.err().lines().count(), refused.err());
            assertEquals("modarch: error: " + given[0] + " " + given[1] + " differs from the run being resumed ("
                    + (given[0].equals("--rules") ? "2" : given[0].equals("--model") ? "modular" : "0") + " in "
                    + run.resolve(RunDirectory.CONFIG) + ")", refused.err().strip());
        }
        CliTest.Result agreed = CliTest.run("train", "--resume", "--out", run.toString(), "--quiet", "--rules", "2",
                "--task", "mlp-regression");
        assertEquals(0, agreed.code(), agreed.err());
    }

    @Test
    void withoutARunOrWithoutResumeTheTaskAndModelAreRequired() {
        CliTest.Result fresh = CliTest.run("train", "--out", tmp.resolve("new").toString());
        assertEquals(2, fresh.code());
        assertEquals("modarch: error: Missing required options: '--task=<task>', '--model=<model>' (see --help)",
                fresh.err().strip());
        CliTest.Result nothing = CliTest.run("train");
        assertEquals("modarch: error: Missing required options: '--task=<task>', '--model=<model>', '--out=<out>'"
                + " (see --help)", nothing.err().strip());

        Path empty = tmp.resolve("empty");
        CliTest.Result none = CliTest.run("train", "--resume", "--out", empty.toString());
        assertEquals(2, none.code());
        assertEquals("modarch: error: --out " + empty + " holds no config.json, nor runs inside it: --resume without"
                + " --task and --model continues a run; give them to start one", none.err().strip());
        assertEquals(false, Files.exists(empty), "bad input leaves no trace");
    }
}
