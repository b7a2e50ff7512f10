package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.io.Json;
import modarch.io.RunLock;
import modarch.io.tensorboard.EventWriter;
import modarch.sweep.ReplicaGroup;
import modarch.sweep.RunState;
import modarch.sweep.Sweep;
import modarch.sweep.SweepFile;
import modarch.sweep.SweepRun;
import modarch.sweep.SweepRunner;
import modarch.train.RunDirectory;
import modarch.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** `sweep plan`, `sweep run` and `sweep slurm` on tiny sweeps. */
class SweepCliTest {
    @TempDir
    Path tmp;

    /** 2 kinds x 2 seeds of a tiny MLP shape: 2 groups of 2 runs; lr as given. */
    static String tinySweep(String lr, int iterations) {
        return """
                name: tiny
                iterations: %d
                eval_every: 10
                batch_size: 16
                lr: %s
                evaluation: {performance_batches: 2, activation_batches: 2, adaptation_batches: 1, batch_size: 50}
                grids:
                  - tasks: [mlp-regression]
                    kinds: [modular, monolithic]
                    rules: [2]
                    capacities: [[8, 16]]
                    seeds: 0..1
                """.formatted(iterations, lr);
    }

    private Path file(String text) throws IOException {
        Path file = tmp.resolve("tiny.yaml");
        Files.writeString(file, text);
        return file;
    }

    private static JsonNode plan(Path file, Path out) throws IOException {
        CliTest.Result plan = CliTest.run("sweep", "plan", file.toString(), "--out", out.toString(), "--json", "--no-probe");
        assertEquals(0, plan.code(), plan.err());
        return Json.MAPPER.readTree(plan.out());
    }

    /**
     * Every file under dir (relative path to bytes), the timings and metrics' seconds aside, and the TensorBoard event
     * files (named by their wall time; TensorBoardLogTest reads what they hold after a kill).
     */
    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith(EventWriter.FILE_PREFIX))::iterator) {
                files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    @Test
    void aSweepTrainsAndMeasuresEveryRunAndASecondPassDoesNothing() throws IOException {
        Path file = file(tinySweep("1e-3", 20));
        Path out = tmp.resolve("results");
        JsonNode before = plan(file, out);
        assertEquals(4, before.get("runs").asInt());
        assertEquals(2, before.get("groups").asInt());
        assertEquals(0, before.get("complete").asInt());
        assertEquals(4, before.get("new").asInt());

        CliTest.Result run = CliTest.run("sweep", "run", file.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("sweep tiny: 4 of 4 runs complete, 0 diverged"), run.out());
        assertTrue(run.err().contains("done 4/4 "), run.err());
        Sweep sweep = SweepFile.load(file);
        for (SweepRun r : sweep.runs()) {
            RunDirectory dir = r.dir(out);
            assertEquals(RunState.COMPLETE, RunState.of(r, out));
            JsonNode metrics = Json.MAPPER.readTree(dir.file(RunDirectory.METRICS).toFile());
            assertEquals(20, metrics.get("iteration").asInt());
            assertFalse(metrics.get("snapshot").asBoolean(), "the sweep holds the lock it measures under");
            assertEquals(2, metrics.get("counts").get("performance_batches").asInt(), "the sweep file's counts");
            assertEquals(r.config().model().routed(), metrics.has("collapse_avg"));
            JsonNode timing = Json.MAPPER.readTree(dir.file(SweepRunner.SWEEP_JSON).toFile());
            assertEquals(r.id(), timing.get("run_id").asText());
            assertEquals(2, timing.get("replicas").asInt());
            assertEquals(0, timing.get("trained_from").asInt());
            assertTrue(timing.get("train_seconds").asDouble() > 0);
            assertTrue(dir.root().getFileName().toString().endsWith("-" + r.id()));
        }
        assertEquals(4, plan(file, out).get("complete").asInt());

        Map<String, byte[]> done = snapshot(out);
        CliTest.Result again = CliTest.run("sweep", "run", file.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("4 done; 0 groups to run"), again.err());
        Map<String, byte[]> after = snapshot(out);
        assertEquals(done.keySet(), after.keySet());
        for (String name : done.keySet()) assertArrayEquals(done.get(name), after.get(name), name + " was rewritten");
    }

    @Test
    void aSweepRunIsBitForBitTheSingleRunOfItsOptions() throws IOException {
        Path file = file(tinySweep("1e-3", 20));
        Path out = tmp.resolve("results");
        assertEquals(0, CliTest.run("sweep", "run", file.toString(), "--out", out.toString(), "--quiet").code());
        SweepRun run = SweepFile.load(file).runs().get(1); // modular, seed 1: the second replica of its group
        Path single = tmp.resolve("single");
        CliTest.Result train = CliTest.run("train", "--task", "mlp-regression", "--model", "modular", "--rules", "2",
                "--enc-dim", "8", "--dim", "16", "--batch-size", "16", "--lr", "1e-3", "--iterations", "20",
                "--eval-every", "10", "--seed", "1", "--quiet", "--out", single.toString());
        assertEquals(0, train.code(), train.err());
        for (String name : List.of(RunDirectory.MODEL_LAST, RunDirectory.TRAINING_STATE, RunDirectory.LOG)) {
            assertArrayEquals(Files.readAllBytes(single.resolve(name)), Files.readAllBytes(run.dir(out).file(name)), name);
        }
    }

    @Test
    void oneGroupRunsAlone() throws Exception {
        Path file = file(tinySweep("1e-3", 20));
        Path out = tmp.resolve("results");
        Sweep sweep = SweepFile.load(file);
        CliTest.Result one = CliTest.run("sweep", "run", file.toString(), "--out", out.toString(), "--group", "1", "--quiet");
        assertEquals(0, one.code(), one.err());
        for (SweepRun r : sweep.groups().get(0).runs()) assertEquals(RunState.NEW, RunState.of(r, out));
        for (SweepRun r : sweep.groups().get(1).runs()) assertEquals(RunState.COMPLETE, RunState.of(r, out));
        CliTest.Result bad = CliTest.run("sweep", "run", file.toString(), "--out", out.toString(), "--group", "2");
        assertEquals(2, bad.code());
        assertEquals("modarch: error: --group 2 is not allowed: " + file + " has groups 0..1", bad.err().strip());
    }

    /**
     * A group held elsewhere is tried again until its holder lets go: then it is run here when the holder left it
     * unfinished (as a killed holder does), and left alone when the holder finished it.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aGroupHeldElsewhereIsRunOnceItsHolderLetsGoUnlessTheHolderFinishedIt(boolean holderFinishes) throws Exception {
        Path file = file(tinySweep("1e-3", 20));
        Path out = tmp.resolve("results");
        Sweep sweep = SweepFile.load(file);
        List<String> said = new ArrayList<>();
        RunLock holder = RunLock.acquire(sweep.groups().get(0).runs().get(1).dir(out).root());
        SweepRunner.Events events = new SweepRunner.Events() {
            @Override
            public Trainer.Listener training(ReplicaGroup group, List<SweepRun> runs) {
                said.add("training " + group.index());
                return new Trainer.Listener() { };
            }

            @Override
            public void measured(SweepRun run, Map<String, Object> metrics) {
            }

            @Override
            public void diverged(SweepRun run, String message) {
                said.add("diverged " + message);
            }

            @Override
            public void held(ReplicaGroup group, String message) {
                said.add("held " + group.index());
                try {
                    assertEquals(RunState.NEW, RunState.of(group.runs().get(0), out), "nothing of a held group is trained");
                    holder.close();
                    if (holderFinishes) {
                        CliTest.Result other = CliTest.run("sweep", "run", file.toString(), "--out", out.toString(),
                                "--group", "0", "--device", "cpu", "--quiet");
                        assertEquals(0, other.code(), other.err());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void failed(ReplicaGroup group, String message) {
                said.add("failed " + message);
            }
        };
        Backends.Choices cpu = Backends.selectEach("cpu");
        SweepRunner.Outcome outcome = new SweepRunner(sweep, out, "cpu", note -> { })
                .run(sweep.groups(), cpu.each(), events);
        cpu.backends().forEach(Backend::close);
        assertEquals(holderFinishes ? List.of("held 0", "training 1") : List.of("held 0", "training 1", "training 0"),
                said);
        assertEquals(new SweepRunner.Outcome(holderFinishes ? 1 : 2, holderFinishes ? 1 : 0, 0), outcome);
        for (SweepRun r : sweep.runs()) assertEquals(RunState.COMPLETE, RunState.of(r, out), r.name());
    }

    @Test
    void aDivergedRunIsDoneAndNotTrainedAgain() throws IOException {
        Path file = file(tinySweep("1e30", 20));
        Path out = tmp.resolve("results");
        CliTest.Result run = CliTest.run("sweep", "run", file.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, run.code(), run.err());
        JsonNode plan = plan(file, out);
        assertTrue(plan.get("diverged").asInt() > 0, plan.toString());
        assertEquals(4, plan.get("complete").asInt() + plan.get("diverged").asInt());
        assertTrue(run.err().contains("diverged"), run.err());
        CliTest.Result again = CliTest.run("sweep", "run", file.toString(), "--out", out.toString(), "--quiet");
        assertTrue(again.err().contains("0 groups to run"), again.err());
    }

    @Test
    void slurmWritesAJobArrayOfOneTaskPerGroupAndKeepsOneSweepPerFolder() throws IOException {
        Path file = file(tinySweep("1e-3", 20));
        Path out = tmp.resolve("results");
        CliTest.Result slurm = CliTest.run("sweep", "slurm", file.toString(), "--out", out.toString(), "--partition",
                "gpu", "--gpus-per-task", "1", "--time", "01:00:00", "--account", "lab");
        assertEquals(0, slurm.code(), slurm.err());
        Path script = out.toAbsolutePath().resolve("slurm/sweep.sbatch");
        assertTrue(slurm.out().contains("submit with:  sbatch " + script), slurm.out());
        List<String> lines = Files.readAllLines(script);
        assertEquals("#!/bin/bash", lines.get(0));
        for (String expected : List.of("#SBATCH --array=0-1", "#SBATCH --partition=gpu", "#SBATCH --gpus-per-task=1",
                "#SBATCH --time=01:00:00", "#SBATCH --account=lab", "#SBATCH --requeue")) {
            assertTrue(lines.contains(expected), expected + " in " + lines);
        }
        String last = lines.get(lines.size() - 1);
        assertTrue(last.endsWith(" sweep run " + out.toAbsolutePath().resolve("sweep.yaml") + " --out "
                + out.toAbsolutePath() + " --group \"$SLURM_ARRAY_TASK_ID\" --device auto"), last);
        assertEquals(Files.readString(file), Files.readString(out.resolve("sweep.yaml")));
        assertTrue(Files.isExecutable(script));

        Files.writeString(file, tinySweep("2e-3", 20));
        CliTest.Result other = CliTest.run("sweep", "slurm", file.toString(), "--out", out.toString(), "--partition", "gpu");
        assertEquals(2, other.code());
        assertTrue(other.err().strip().endsWith("choose another --out"), other.err());
        CliTest.Result unsafe = CliTest.run("sweep", "slurm", file.toString(), "--out", tmp.resolve("x").toString(),
                "--partition", "gpu\n#SBATCH --x");
        assertEquals(2, unsafe.code());
        assertEquals(1, unsafe.err().strip().lines().count(), unsafe.err());
    }

    @Test
    void badSweepFilesAndOptionsAreOneLineWithExitTwo() throws IOException {
        Path file = file("grids:\n  - tasks: [mlp-regression]\n    kinds: [modular]\n    rules: [99]\n");
        List<String[]> calls = new ArrayList<>();
        calls.add(new String[] {"sweep", "plan", file.toString(), "--no-probe"});
        calls.add(new String[] {"sweep", "run", file.toString(), "--out", tmp.resolve("r").toString()});
        calls.add(new String[] {"sweep", "slurm", file.toString(), "--partition", "p", "--out", tmp.resolve("r").toString()});
        for (String[] call : calls) {
            CliTest.Result result = CliTest.run(call);
            assertEquals(2, result.code(), String.join(" ", call));
            assertEquals("modarch: error: " + file + " line 4: key 'rules': 99 is not allowed: it must be in 2..64",
                    result.err().strip());
        }
        assertFalse(Files.exists(tmp.resolve("r")), "bad input writes nothing");
        CliTest.Result workers = CliTest.run("sweep", "run", file(tinySweep("1e-3", 5)).toString(), "--workers", "0");
        assertEquals(2, workers.code());
        assertEquals("modarch: error: --workers 0 is not allowed: it must be in 1..64", workers.err().strip());
    }
}
