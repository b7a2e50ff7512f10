package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import modarch.backend.cuda.CudaProbe;
import modarch.io.Json;
import modarch.sweep.RunState;
import modarch.sweep.Sweep;
import modarch.sweep.SweepFile;
import modarch.sweep.SweepRun;
import modarch.sweep.SweepRunner;
import modarch.train.RunDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several devices from one command, on four emulated devices ({@code -Dmodarch.emulated.devices=4}): a sweep over
 * cuda-emulated:all runs every group once, with the bits of the same sweep on one device; a process killed mid-group
 * is resumed by another that shares the folder; two processes on one folder both end only when every group is done;
 * train --seeds over the four devices gives each replica its one-device bits; reproduce runs on the devices listed;
 * bad device lists are one line, exit 2.
 */
class EmulatedDevicesCliTest {
    private static final String DEVICES_PROPERTY = "modarch.emulated.devices";
    /** 2 kinds x 2 rule counts x 2 seeds: 4 groups of 2 runs, 20 steps each with a checkpoint every 10. */
    private static final String SWEEP = """
            name: multi
            iterations: 20
            eval_every: 10
            batch_size: 16
            lr: 1e-3
            tensorboard: false
            evaluation: {performance_batches: 1, activation_batches: 1, adaptation_batches: 1, batch_size: 20}
            grids:
              - tasks: [mlp-regression]
                kinds: [modular, monolithic]
                rules: [2, 3]
                capacities: [[8, 16]]
                seeds: 0..1
            """;

    @TempDir
    static Path shared;
    private static Path file;
    private static Sweep sweep;
    /** The sweep run on one emulated device. */
    private static Path oneDevice;

    @TempDir
    Path tmp;
    private String propertyBefore;

    @BeforeAll
    static void sweepOnOneDevice() throws IOException {
        file = shared.resolve("multi.yaml");
        Files.writeString(file, SWEEP);
        sweep = SweepFile.load(file);
        oneDevice = shared.resolve("one");
        CliTest.Result one = CliTest.run("sweep", "run", file.toString(), "--out", oneDevice.toString(), "--device",
                "cuda-emulated", "--quiet");
        assertEquals(0, one.code(), one.err());
    }

    @BeforeEach
    void fourEmulatedDevices() {
        propertyBefore = System.getProperty(DEVICES_PROPERTY);
        System.setProperty(DEVICES_PROPERTY, "4");
    }

    @AfterEach
    void restoreProperty() {
        if (propertyBefore == null) System.clearProperty(DEVICES_PROPERTY);
        else System.setProperty(DEVICES_PROPERTY, propertyBefore);
    }

    @Test
    void aSweepOverFourDevicesRunsEachGroupOnceWithTheBitsOfOneDevice() throws IOException {
        Path out = tmp.resolve("four");
        CliTest.Result four = CliTest.run("sweep", "run", file.toString(), "--out", out.toString(), "--device",
                "cuda-emulated:all", "--quiet");
        assertEquals(0, four.code(), four.err());
        assertTrue(four.err().contains("modarch: backend cuda-emulated on 4 devices, cuda-emulated:0,1,2,3 (emulated CUDA"
                + " device ("), four.err());
        assertTrue(four.err().contains(" order); --device cuda-emulated:all)\n"), four.err());
        assertMeasuredOnce(four.err());
        Set<String> devices = new TreeSet<>();
        for (SweepRun run : sweep.runs()) {
            JsonNode timing = Json.MAPPER.readTree(run.dir(out).file(SweepRunner.SWEEP_JSON).toFile());
            assertEquals(0, timing.get("trained_from").asLong(), run.name() + " trained in one pass");
            devices.add(timing.get("group").asInt() + " on " + timing.get("device").asText());
        }
        Map<String, List<String>> byGroup = devices.stream().collect(Collectors.groupingBy(d -> d.split(" on ")[0]));
        assertEquals(4, byGroup.size(), "each group's runs on one device: " + devices);
        assertTrue(devices.stream().map(d -> d.split(" on ")[1]).distinct().count() >= 2, "groups spread: " + devices);
        assertTrue(devices.stream().allMatch(d -> d.matches("\\d on cuda-emulated:[0-3]")), devices.toString());
        assertSameResults(oneDevice, out);
    }

    @Test
    void aProcessKilledMidGroupIsResumedByAnotherSharingTheFolder() throws Exception {
        Path out = tmp.resolve("killed");
        Process[] both = secondWhileFirstHoldsGroups(out, "cuda-emulated:all", "cuda-emulated:0,1");
        // a group's checkpoint past iteration 0, whole (every replica's)
        waitFor(() -> sweep.groups().stream().anyMatch(g -> g.runs().stream().allMatch(r -> logLines(r.dir(out)) >= 2)),
                both[0], tmp.resolve("first.log"));
        both[0].destroyForcibly().waitFor();
        String atKill = states(out);
        assertTrue(atKill.contains("PARTIAL"), "killed mid-group: " + atKill);
        assertTrue(both[1].waitFor(120, TimeUnit.SECONDS), "the second process ends");
        String err = Files.readString(tmp.resolve("second.log"));
        assertEquals(0, both[1].exitValue(), err);
        List<Long> from = sweep.runs().stream().map(r -> trainedFrom(r.dir(out))).toList();
        assertTrue(from.stream().anyMatch(f -> f > 0), "a group resumed: " + atKill + ", trained from " + from + "\n" + err);
        assertSameResults(oneDevice, out);
    }

    @Test
    void twoProcessesOnOneFolderEndOnlyWhenEveryGroupIsDone() throws Exception {
        Path out = tmp.resolve("two");
        Process[] both = secondWhileFirstHoldsGroups(out, "cuda-emulated:0,1", "cuda-emulated:2,3");
        while (both[0].isAlive() && both[1].isAlive()) Thread.sleep(5);
        String atFirstExit = states(out);
        assertTrue(both[0].waitFor(120, TimeUnit.SECONDS) && both[1].waitFor(120, TimeUnit.SECONDS), "both end");
        String err = Files.readString(tmp.resolve("first.log")) + Files.readString(tmp.resolve("second.log"));
        assertEquals(List.of(0, 0), List.of(both[0].exitValue(), both[1].exitValue()), err);
        assertEquals("{COMPLETE=8}", atFirstExit, "every group was done when the first process ended: " + err);
        assertMeasuredOnce(err);
        for (SweepRun run : sweep.runs()) assertEquals(0, trainedFrom(run.dir(out)), run.name() + " trained in one pass");
        assertSameResults(oneDevice, out);
    }

    @Test
    void trainSeedsOverFourDevicesGivesEachReplicaItsOneDeviceBits() throws IOException {
        Map<String, Path> outs = Map.of("cuda-emulated", tmp.resolve("one"), "cuda-emulated:all", tmp.resolve("four"));
        for (Map.Entry<String, Path> e : outs.entrySet()) {
            CliTest.Result result = CliTest.run("train", "--task", "mlp-regression", "--model", "modular", "--rules",
                    "2", "--enc-dim", "8", "--dim", "16", "--batch-size", "16", "--iterations", "4", "--eval-every",
                    "2", "--seeds", "0,1,2,3,4", "--no-tensorboard", "--quiet", "--device", e.getKey(), "--out",
                    e.getValue().toString());
            assertEquals(0, result.code(), result.err());
        }
        Map<String, byte[]> one = SweepCliTest.snapshot(outs.get("cuda-emulated"));
        Map<String, byte[]> four = SweepCliTest.snapshot(outs.get("cuda-emulated:all"));
        assertEquals(one.keySet(), four.keySet());
        assertEquals(5 * 7, one.size(), one.keySet().toString());
        for (String name : one.keySet()) {
            if (name.endsWith(".lock")) continue; // the owner's pid
            if (name.endsWith(RunDirectory.CONFIG)) {
                assertEquals(without(one.get(name), "device"), without(four.get(name), "device"), name);
            } else {
                assertArrayEquals(one.get(name), four.get(name), name);
            }
        }
    }

    @Test
    void reproduceRunsItsSweepOnTheDevicesListed() throws IOException {
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve("sweeps"));
        Files.writeString(home.resolve("sweeps/quick.yaml"), SWEEP.replace("name: multi", "name: quick")
                .replace("kinds: [modular, monolithic]", "kinds: [modular]").replace("seeds: 0..1", "seeds: 0"));
        System.setProperty("modarch.home", home.toString());
        Path out = tmp.resolve("quick");
        try {
            CliTest.Result result = CliTest.run("reproduce", "--quick", "--device", "cuda-emulated:1,3", "--out",
                    out.toString(), "--quiet");
            assertEquals(0, result.code(), result.err());
            assertTrue(result.err().contains("backend cuda-emulated on 2 devices, cuda-emulated:1,3 ("), result.err());
            assertTrue(result.out().contains("sweep quick: 2 of 2 runs complete"), result.out());
        } finally {
            System.clearProperty("modarch.home");
        }
        Set<String> devices = new TreeSet<>();
        try (var files = Files.walk(out.resolve("runs"))) {
            for (Path timing : files.filter(f -> f.endsWith(SweepRunner.SWEEP_JSON)).toList()) {
                devices.add(Json.MAPPER.readTree(timing.toFile()).get("device").asText());
            }
        }
        assertFalse(devices.isEmpty(), "sweep.json names the device");
        assertTrue(Set.of("cuda-emulated:1", "cuda-emulated:3").containsAll(devices), devices.toString());
    }

    @Test
    void badDeviceListsAreOneLineAndExit2() throws IOException {
        List<String[]> commands = new ArrayList<>();
        for (String device : List.of("cuda-emulated:4", "cuda-emulated:0,0", "cuda-emulated:1,x", "cuda:x", "cuda:0,0")) {
            commands.add(new String[] {"sweep", "run", file.toString(), "--out", tmp.resolve("s").toString(), "--device",
                device});
            commands.add(new String[] {"train", "--task", "mlp-regression", "--model", "modular", "--seeds", "0,1",
                "--out", tmp.resolve("t").toString(), "--device", device});
        }
        if (!CudaProbe.get().usable()) {
            commands.add(new String[] {"reproduce", "--quick", "--out", tmp.resolve("r").toString(), "--device", "cuda:all"});
        }
        commands.add(new String[] {"eval", sweep.runs().get(0).dir(oneDevice).root().toString(), "--device",
            "cuda-emulated:0,1"});
        for (String[] command : commands) {
            CliTest.Result result = CliTest.run(command);
            String device = command[command.length - 1];
            assertEquals(2, result.code(), String.join(" ", command) + ": " + result.err());
            List<String> lines = result.err().lines().filter(l -> !l.startsWith("WARNING")).toList();
            assertEquals(1, lines.size(), result.err());
            assertTrue(lines.get(0).startsWith("modarch: error: --device ") && lines.get(0).contains(device), lines.get(0));
        }
        assertFalse(Files.exists(tmp.resolve("s")) || Files.exists(tmp.resolve("t")) || Files.exists(tmp.resolve("r")),
                "nothing written");
        System.setProperty(DEVICES_PROPERTY, "0");
        CliTest.Result none = CliTest.run("train", "--task", "mlp-regression", "--model", "modular", "--out",
                tmp.resolve("t").toString(), "--device", "cuda-emulated");
        assertEquals(2, none.code(), none.err());
        assertEquals("modarch: error: -Dmodarch.emulated.devices=0 is not allowed: it must be in 1..64 (the number of"
                + " emulated devices; MODARCH_JAVA_OPTS sets it)", none.err().strip());
    }

    /** Each run's "done" line is in err once: each run was measured once. */
    private static void assertMeasuredOnce(String err) {
        for (SweepRun run : sweep.runs()) {
            String name = run.config().task().cliName() + "/" + run.name() + ":";
            assertEquals(1, err.lines().filter(l -> l.startsWith("done ") && l.contains(name)).count(),
                    name + " measured once: " + err);
        }
    }

    /**
     * A sweep run into out on firstDevice, then, once it holds its groups, a second one on secondDevice, returned
     * once the second has said that a group is held elsewhere (their stderr in first.log and second.log).
     */
    private Process[] secondWhileFirstHoldsGroups(Path out, String firstDevice, String secondDevice) throws Exception {
        Path firstLog = tmp.resolve("first.log");
        Process first = start(out, firstDevice, firstLog);
        waitFor(() -> sweep.runs().stream().anyMatch(r -> logLines(r.dir(out)) >= 1), first, firstLog);
        Process second = start(out, secondDevice, tmp.resolve("second.log"));
        waitFor(() -> read(tmp.resolve("second.log")).contains("is held elsewhere: run directory"), first, firstLog);
        return new Process[] {first, second};
    }

    /** Every file of every run equal to the one-device sweep's, but the timings and lock owners; metrics but "seconds". */
    private static void assertSameResults(Path expectedDir, Path actualDir) throws IOException {
        Map<String, byte[]> expected = SweepCliTest.snapshot(expectedDir.resolve("runs"));
        Map<String, byte[]> actual = SweepCliTest.snapshot(actualDir.resolve("runs"));
        assertEquals(expected.keySet(), actual.keySet(), "the same files (and no temporary one)");
        for (String name : expected.keySet()) {
            if (name.endsWith(SweepRunner.SWEEP_JSON) || name.endsWith(".lock")) continue;
            if (name.endsWith(RunDirectory.METRICS)) {
                assertEquals(without(expected.get(name), "seconds"), without(actual.get(name), "seconds"), name);
            } else if (name.endsWith(RunDirectory.CONFIG)) {
                assertEquals(without(expected.get(name), "device"), without(actual.get(name), "device"), name);
            } else {
                assertArrayEquals(expected.get(name), actual.get(name), name);
            }
        }
    }

    private static ObjectNode without(byte[] json, String key) throws IOException {
        ObjectNode node = (ObjectNode) Json.MAPPER.readTree(json);
        node.remove(key);
        return node;
    }

    /** A sweep run of the test sweep into out, in a JVM of its own with four emulated devices, its stderr to log. */
    private static Process start(Path out, String device, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-D" + DEVICES_PROPERTY + "=4", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "sweep", "run", file.toString(), "--out", out.toString(), "--device", device,
                "--quiet"));
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile())
                .start();
    }

    /** Waits until condition holds; fails if the process (its stderr in log) ends first. */
    private static void waitFor(BooleanSupplier condition, Process process, Path log) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            assertTrue(process.isAlive(), () -> "the process ended before the moment awaited: " + read(log));
            Thread.sleep(2);
        }
    }

    /** How many runs are in each state, e.g. "{PARTIAL=2, COMPLETE=6}". */
    private static String states(Path out) throws IOException {
        Map<RunState, Integer> counts = new java.util.EnumMap<>(RunState.class);
        for (SweepRun run : sweep.runs()) counts.merge(RunState.of(run, out), 1, Integer::sum);
        return counts.toString();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException notYet) {
            return "";
        }
    }

    private static int logLines(RunDirectory dir) {
        try {
            return Files.readAllLines(dir.file(RunDirectory.LOG)).size();
        } catch (IOException notYet) {
            return 0;
        }
    }

    /** The iteration the pass that finished the run started from (sweep.json). */
    private static long trainedFrom(RunDirectory dir) {
        try {
            return Json.MAPPER.readTree(dir.file(SweepRunner.SWEEP_JSON).toFile()).get("trained_from").asLong();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
