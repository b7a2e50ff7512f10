package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import modarch.backend.Backends;
import modarch.backend.cuda.CudaProbe;
import modarch.io.RunLock;
import modarch.io.Safetensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A list of bad inputs to every command (options, values, combinations, files, paths, locks, sizes), each
 * asserting its exit code (2 bad input, 1 environment), exactly one line on stderr (nothing else: the backend
 * line comes only once work starts) naming the value or path, nothing on stdout, and no file written or changed
 * anywhere below the test's directory (types, sizes, mtimes and CRCs before and after). The one exception is
 * the content of a run's existing {@code .lock}: taking the lock records the taker's pid in it; a lock file
 * that did not exist before must not exist after. Prints the count per category.
 */
class BadInputTest {
    @TempDir
    static Path tmp;

    /** A finished regression run (iterations 4, evaluations at 0, 2, 4): copied by the cases that need a run. */
    private static Path fixture;
    private static final Map<String, Integer> PASSED = new TreeMap<>();
    private static int counter;

    /** Prepares a case's files in its own directory; may return a resource held during the call (a lock, a mount). */
    @FunctionalInterface
    interface Setup {
        AutoCloseable prepare(Path dir) throws Exception;
    }

    /** The arguments of a case, given its directory. */
    @FunctionalInterface
    interface Args {
        List<String> of(Path dir);
    }

    /** named: strings the error line must contain; "{dir}" stands for the case's directory. */
    record Case(String category, String name, int code, Setup setup, Args args, List<String> named) {
    }

    @BeforeAll
    static void trainFixture() {
        fixture = tmp.resolve("fixture");
        CliTest.Result trained = CliTest.run(train(fixture).toArray(String[]::new));
        assertEquals(0, trained.code(), trained.err());
    }

    @AfterAll
    static void printCounts() {
        int total = PASSED.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder line = new StringBuilder("BadInputTest: " + total + " bad inputs passed:");
        PASSED.forEach((category, count) -> line.append(" ").append(category).append(" ").append(count).append(";"));
        System.out.println(line);
    }

    private static final String TRAIN = "train";

    /** A small fresh training into out, with options replaced (or added) by overrides: option, value, option, value... */
    static List<String> train(Path out, String... overrides) {
        List<String> args = new ArrayList<>(List.of(TRAIN, "--task", "mlp-regression", "--model", "modular",
                "--rules", "2", "--enc-dim", "8", "--dim", "16", "--batch-size", "16", "--iterations", "4",
                "--eval-every", "2", "--quiet", "--out", out.toString()));
        for (int i = 0; i < overrides.length; i += 2) {
            int at = args.indexOf(overrides[i]);
            if (at >= 0) {
                args.set(at + 1, overrides[i + 1]);
            } else {
                args.add(overrides[i]);
                args.add(overrides[i + 1]);
            }
        }
        return args;
    }

    /** train --resume of run, with extra arguments. */
    static List<String> resume(Path run, String... extra) {
        List<String> args = new ArrayList<>(List.of(TRAIN, "--task", "mlp-regression", "--model", "modular",
                "--quiet", "--resume", "--out", run.toString()));
        args.addAll(List.of(extra));
        return args;
    }

    /** train without one option (and its value). */
    static List<String> trainWithout(Path out, String option) {
        return without(train(out), option);
    }

    /** args without option and its value. */
    static List<String> without(List<String> args, String option) {
        int at = args.indexOf(option);
        args.remove(at + 1);
        args.remove(at);
        return args;
    }

    static List<String> list(String... args) {
        return List.of(args);
    }

    private static List<String> plus(List<String> args, String... extra) {
        List<String> out = new ArrayList<>(args);
        out.addAll(List.of(extra));
        return out;
    }

    /** The fixture run copied to dir/run. */
    static Path copyRun(Path dir) throws IOException {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        try (Stream<Path> files = Files.list(fixture)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().equals(RunLock.FILE_NAME)) Files.copy(f, run.resolve(f.getFileName()));
            }
        }
        return run;
    }

    /** Setup: a copy of the fixture whose config.json has the line of key replaced by replacement (null: removed). */
    static Setup config(String key, String replacement) {
        return dir -> {
            Path config = copyRun(dir).resolve("config.json");
            List<String> lines = new ArrayList<>();
            boolean found = false;
            for (String line : Files.readAllLines(config)) {
                if (line.trim().startsWith("\"" + key + "\"")) {
                    found = true;
                    if (replacement != null) lines.add("  " + replacement + (line.trim().endsWith(",") ? "," : ""));
                } else {
                    lines.add(line);
                }
            }
            assertTrue(found, key);
            Files.write(config, lines);
            return null;
        };
    }

    /** Setup: a copy of the fixture whose file name holds bytes. */
    static Setup runFile(String name, byte[] bytes) {
        return dir -> {
            Files.write(copyRun(dir).resolve(name), bytes);
            return null;
        };
    }

    /** Setup: a copy of the fixture whose config.json is text. */
    static Setup configText(String text) {
        return runFile("config.json", text.getBytes(StandardCharsets.UTF_8));
    }

    static Setup file(String name, String text) {
        return dir -> {
            Files.writeString(dir.resolve(name), text);
            return null;
        };
    }

    static final Setup NONE = dir -> null;
    static final Setup RUN = dir -> {
        copyRun(dir);
        return null;
    };

    /** Setup: a read-only tmpfs at dir/ro (root ignores permission bits, not a read-only mount); skips when impossible. */
    static final Setup READ_ONLY = dir -> {
        Path ro = dir.resolve("ro");
        Files.createDirectories(ro);
        String why = Mounts.mount(ro, "ro,size=64k");
        Assumptions.assumeTrue(why == null, () -> "skipped: no read-only mount (" + why + ")");
        return () -> Mounts.unmount(ro);
    };

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        String opts = "train options";
        Object[][] trainValues = {
            {"--task", "mlp-foo", "mlp-foo"},
            {"--model", "mixture", "mixture"},
            {"--rules", "1", "--rules 1"},
            {"--rules", "65", "--rules 65"},
            {"--rules", "two", "two"},
            {"--dim", "1", "--dim 1"},
            {"--dim", "3000000000", "3000000000"},
            {"--enc-dim", "0", "--enc-dim 0"},
            {"--enc-dim", "-8", "--enc-dim -8"},
            {"--batch-size", "0", "--batch-size 0"},
            {"--lr", "0", "--lr 0"},
            {"--lr", "-0.1", "-0.1"},
            {"--lr", "NaN", "NaN"},
            {"--lr", "Infinity", "Infinity"},
            {"--lr", "fast", "fast"},
            {"--iterations", "0", "--iterations 0"},
            {"--iterations", "1e3", "1e3"},
            {"--eval-every", "0", "--eval-every 0"},
            {"--seed", "-1", "--seed -1"},
            {"--seed", "4294967296", "4294967296"},
            {"--data-seed", "-1", "--data-seed -1"},
            {"--data-seed", "4294967296", "4294967296"},
            {"--device", "tpu", "tpu"},
            {"--device", "gpu", "'gpu' is not allowed: allowed are " + Backends.ALLOWED},
            {"--device", "cuda:x", "cuda:x"},
            {"--device", "cuda:-1", "cuda:-1"},
            {"--device", "cuda:", "cuda:"},
            {"--device", "cuda:99999", "cuda:99999"},
            {"--device", "cuda:0,0", "cuda:0,0"},
            {"--device", "cuda:1,x", "cuda:1,x"},
            {"--device", "cuda-emulated:1", "cuda-emulated:1"}, // one emulated device unless -Dmodarch.emulated.devices
            {"--device", "cuda-emulated:0,0", "cuda-emulated:0,0"},
            {"--device", "cuda-emulated:all,0", "cuda-emulated:all,0"},
        };
        for (Object[] v : trainValues) {
            cases.add(new Case(opts, v[0] + " " + v[1], 2, NONE, d -> train(d.resolve("run"), (String) v[0], (String) v[1]),
                    List.of((String) v[2])));
        }
        String mha = "mha options";
        Object[][] mhaValues = { // overrides of a small mha-regression run; the named text the error must contain
            {new String[] {"--att-dim", "64"}, "--att-dim"},                          // an mha option on an mlp task
            {new String[] {"--seq-len", "5"}, "--seq-len"},
            {new String[] {"--task", "mha-regression"}, "--enc-dim"},                 // the mlp encoder on an mha task
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--att-dim", "3"}, "--att-dim 3"},
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--search-version", "3"}, "--search-version 3"},
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--seq-len", "1"}, "--seq-len 1"},
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--seq-len", "257"}, "--seq-len 257"},
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--attention-topk", "-1"}, "--attention-topk -1"},
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--dim", "0"}, "--dim 0"},
        };
        for (Object[] v : mhaValues) {
            String[] overrides = (String[]) v[0];
            cases.add(new Case(mha, String.join(" ", overrides), 2, NONE, d -> train(d.resolve("run"), overrides),
                    List.of((String) v[1])));
        }
        String rnn = "rnn options";
        Object[][] rnnValues = { // overrides of a small run; the named text the error must contain
            {new String[] {"--h-dim", "64"}, "--h-dim"},                              // an rnn option on an mlp task
            {new String[] {"--order", "2"}, "--order"},
            {new String[] {"--task", "rnn-regression", "--dim", "64"}, "--h-dim"},    // the rnn width is --h-dim
            {new String[] {"--task", "rnn-regression", "--att-dim", "64"}, "--att-dim"},
            {new String[] {"--task", "rnn-regression", "--d-dim", "0"}, "--d-dim 0"},
            {new String[] {"--task", "rnn-regression", "--d-dim", "257"}, "--d-dim 257"},
            {new String[] {"--task", "rnn-regression", "--order", "9"}, "--order 9"},
            {new String[] {"--task", "rnn-regression", "--seq-len", "0"}, "--seq-len 0"},
            {new String[] {"--task", "rnn-regression", "--h-dim", "0"}, "--h-dim 0"},
            {new String[] {"--task", "rnn-regression", "--model", "modular", "--h-dim", "1", "--rules", "64"}, "--h-dim 1"},
        };
        for (Object[] v : rnnValues) {
            String[] overrides = (String[]) v[0];
            // an rnn task without the base run's --dim, unless --dim is the point
            boolean keepDim = !overrides[1].startsWith("rnn") || List.of(overrides).contains("--dim");
            cases.add(new Case(rnn, String.join(" ", overrides), 2, NONE,
                    d -> keepDim ? train(d.resolve("run"), overrides) : without(train(d.resolve("run"), overrides), "--dim"),
                    List.of((String) v[1])));
        }
        CudaProbe probe = CudaProbe.get();
        if (!probe.usable()) {
            cases.add(new Case(opts, "--device cuda without a usable GPU", 2, NONE,
                    d -> train(d.resolve("run"), "--device", "cuda"), List.of("--device cuda", probe.reason())));
        }
        cases.add(new Case(opts, "unknown option", 2, NONE, d -> plus(train(d.resolve("run")), "--bogus"), List.of("--bogus")));
        cases.add(new Case(opts, "missing --out", 2, NONE, d -> trainWithout(d.resolve("run"), "--out"), List.of("--out")));
        cases.add(new Case(opts, "missing --task", 2, NONE, d -> trainWithout(d.resolve("run"), "--task"), List.of("--task")));
        cases.add(new Case(opts, "extra argument", 2, NONE, d -> plus(train(d.resolve("run")), "extra"), List.of("extra")));
        cases.add(new Case(opts, "--out without value", 2, NONE,
                d -> plus(trainWithout(d.resolve("run"), "--out"), "--out"), List.of("--out")));
        cases.add(new Case(opts, "no command", 2, NONE, d -> list(), List.of("command")));
        cases.add(new Case(opts, "unknown command", 2, NONE, d -> list("fit"), List.of("fit")));

        String sizes = "sizes";
        cases.add(new Case(sizes, "--dim 2000000000", 2, NONE,
                d -> train(d.resolve("run"), "--dim", "2000000000"), List.of("--dim 2000000000")));
        cases.add(new Case(sizes, "--batch-size 2000000000", 2, NONE,
                d -> train(d.resolve("run"), "--batch-size", "2000000000"), List.of("--batch-size 2000000000")));
        cases.add(new Case(sizes, "--enc-dim 100000 --dim 100000", 2, NONE,
                d -> train(d.resolve("run"), "--enc-dim", "100000", "--dim", "100000"), List.of("--enc-dim 100000", "--dim 100000")));
        cases.add(new Case(sizes, "--rules 64 --dim 100000000 in a group", 2, NONE,
                d -> train(d.resolve("run"), "--rules", "64", "--dim", "100000000", "--seeds", "1,2"), List.of("--dim 100000000")));
        cases.add(new Case(sizes, "eval --eval-batch-size 100000000", 2, RUN,
                d -> list("eval", d.resolve("run").toString(), "--eval-batch-size", "100000000"), List.of("--eval-batch-size 100000000")));

        String seeds = "seeds";
        cases.add(new Case(seeds, "--data-seeds shorter than --seeds", 2, NONE,
                d -> train(d.resolve("g"), "--seeds", "1,2", "--data-seeds", "0"), List.of("--data-seeds", "--seeds")));
        cases.add(new Case(seeds, "--data-seeds longer than --seeds", 2, NONE,
                d -> train(d.resolve("g"), "--seeds", "1", "--data-seeds", "0,1,2"), List.of("--data-seeds")));
        cases.add(new Case(seeds, "--data-seeds without --seeds", 2, NONE,
                d -> train(d.resolve("g"), "--data-seeds", "0,1"), List.of("--data-seeds")));
        cases.add(new Case(seeds, "--seed with --seeds", 2, NONE,
                d -> train(d.resolve("g"), "--seeds", "1,2", "--seed", "3"), List.of("--seed")));
        cases.add(new Case(seeds, "--data-seed with --data-seeds", 2, NONE,
                d -> train(d.resolve("g"), "--seeds", "1,2", "--data-seeds", "0,1", "--data-seed", "3"), List.of("--data-seed")));
        cases.add(new Case(seeds, "a pair twice", 2, NONE,
                d -> train(d.resolve("g"), "--seeds", "1,1"), List.of("(1, 0)")));
        cases.add(new Case(seeds, "negative seed in --seeds", 2, NONE,
                d -> train(d.resolve("g"), "--seeds", "-1,2"), List.of("--seeds value -1")));
        cases.add(new Case(seeds, "not a number in --seeds", 2, NONE,
                d -> train(d.resolve("g"), "--seeds", "1,x"), List.of("x")));
        cases.add(new Case(seeds, "too large seed in --seeds", 2, NONE,
                d -> train(d.resolve("g"), "--seeds", "4294967296"), List.of("--seeds value 4294967296")));
        cases.add(new Case(seeds, "negative data seed in --data-seeds", 2, NONE,
                d -> train(d.resolve("g"), "--seeds", "1,2", "--data-seeds", "0,-1"), List.of("--data-seeds value -1")));
        cases.add(new Case(seeds, "--resume of a single run with --seeds", 2, RUN,
                d -> resume(d.resolve("run"), "--seeds", "0,1"), List.of("{dir}/run")));

        String paths = "paths";
        cases.add(new Case(paths, "--out under a file", 2, file("f", "mine"),
                d -> train(d.resolve("f").resolve("run")), List.of("{dir}/f")));
        cases.add(new Case(paths, "--out deep under a file", 2, file("f", "mine"),
                d -> train(d.resolve("f").resolve("a").resolve("b")), List.of("{dir}/f")));
        cases.add(new Case(paths, "--out is a file", 2, file("f", "mine"),
                d -> train(d.resolve("f")), List.of("{dir}/f")));
        cases.add(new Case(paths, "--seeds --out under a file", 2, file("f", "mine"),
                d -> train(d.resolve("f").resolve("g"), "--seeds", "1,2"), List.of("{dir}/f")));
        cases.add(new Case(paths, "--out non-empty, not a run, no --resume", 2, file("notes.txt", "mine"),
                d -> train(d), List.of("{dir}", "--resume")));
        cases.add(new Case(paths, "--out an existing run without --resume", 2, RUN,
                d -> train(d.resolve("run")), List.of("{dir}/run", "--resume")));
        cases.add(new Case(paths, "--resume into a non-run directory", 2, file("notes.txt", "mine"),
                d -> resume(d), List.of("{dir}", "config.json")));
        cases.add(new Case(paths, "--resume --seeds into a non-run directory", 2, dir -> {
            Files.createDirectories(dir.resolve("g/seed1-data0"));
            Files.writeString(dir.resolve("g/seed1-data0/notes.txt"), "mine");
            return null;
        }, d -> plus(resume(d.resolve("g")), "--seeds", "1,2"), List.of("{dir}/g/seed1-data0")));
        String longName = "n".repeat(300);
        cases.add(new Case(paths, "--out name too long", 2, NONE,
                d -> train(d.resolve(longName)), List.of(longName)));
        cases.add(new Case(paths, "--out parent name too long", 2, NONE,
                d -> train(d.resolve(longName).resolve("run")), List.of(longName)));
        cases.add(new Case(paths, "--out on a read-only file system", 1, READ_ONLY,
                d -> train(d.resolve("ro").resolve("run")), List.of("{dir}/ro/run")));
        cases.add(new Case(paths, "--out deep on a read-only file system", 1, READ_ONLY,
                d -> train(d.resolve("ro").resolve("a").resolve("b")), List.of("{dir}/ro/a")));
        cases.add(new Case(paths, "--seeds --out on a read-only file system", 1, READ_ONLY,
                d -> train(d.resolve("ro").resolve("g"), "--seeds", "1,2"), List.of("{dir}/ro/g")));

        String files = "run files";
        cases.add(new Case(files, "config.json \"rules\": 4.9", 2, config("rules", "\"rules\": 4.9"),
                d -> resume(d.resolve("run")), List.of("config.json", "rules", "4.9")));
        cases.add(new Case(files, "config.json \"rules\": \"four\"", 2, config("rules", "\"rules\": \"four\""),
                d -> resume(d.resolve("run")), List.of("config.json", "rules", "four")));
        cases.add(new Case(files, "config.json \"rules\": null", 2, config("rules", "\"rules\": null"),
                d -> resume(d.resolve("run")), List.of("config.json", "rules", "null")));
        cases.add(new Case(files, "config.json \"rules\": 1", 2, config("rules", "\"rules\": 1"),
                d -> resume(d.resolve("run")), List.of("config.json", "rules 1")));
        cases.add(new Case(files, "config.json \"seed\": 1.5", 2, config("seed", "\"seed\": 1.5"),
                d -> resume(d.resolve("run")), List.of("config.json", "seed", "1.5")));
        cases.add(new Case(files, "config.json \"iterations\": 1e3", 2, config("iterations", "\"iterations\": 1e3"),
                d -> resume(d.resolve("run")), List.of("config.json", "iterations", "1E+3")));
        cases.add(new Case(files, "config.json \"lr\" a string", 2, config("lr", "\"lr\": \"1e-4\""),
                d -> resume(d.resolve("run")), List.of("config.json", "lr")));
        cases.add(new Case(files, "config.json \"lr\": -1", 2, config("lr", "\"lr\": -1"),
                d -> resume(d.resolve("run")), List.of("config.json", "lr")));
        cases.add(new Case(files, "config.json \"model\": \"mixture\"", 2, config("model", "\"model\": \"mixture\""),
                d -> resume(d.resolve("run")), List.of("config.json", "mixture")));
        cases.add(new Case(files, "config.json without \"lr\"", 2, config("lr", null),
                d -> resume(d.resolve("run")), List.of("config.json", "lr", "missing")));
        cases.add(new Case(files, "config.json with an unknown key", 2, config("lr", "\"learning_rate\": 0.001, \"lr\": 1.0E-4"),
                d -> resume(d.resolve("run")), List.of("config.json", "learning_rate")));
        cases.add(new Case(files, "config.json with a duplicate key", 2, config("lr", "\"lr\": 0.001, \"lr\": 1.0E-4"),
                d -> resume(d.resolve("run")), List.of("config.json", "lr")));
        cases.add(new Case(files, "config.json with trailing garbage", 2, dir -> {
            Path config = copyRun(dir).resolve("config.json");
            Files.writeString(config, Files.readString(config) + "garbage\n");
            return null;
        }, d -> resume(d.resolve("run")), List.of("config.json", "trailing")));
        cases.add(new Case(files, "config.json empty", 2, configText(""),
                d -> resume(d.resolve("run")), List.of("config.json", "empty")));
        cases.add(new Case(files, "config.json truncated", 2, configText("{\"task\": \"mlp-regression\", \"mo"),
                d -> resume(d.resolve("run")), List.of("config.json", "truncated")));
        cases.add(new Case(files, "config.json an array", 2, configText("[1, 2]"),
                d -> resume(d.resolve("run")), List.of("config.json", "object")));
        cases.add(new Case(files, "config.json a directory", 2, dir -> {
            Path run = copyRun(dir);
            Files.delete(run.resolve("config.json"));
            Files.createDirectory(run.resolve("config.json"));
            return null;
        }, d -> resume(d.resolve("run")), List.of("config.json")));
        cases.add(new Case(files, "config.json rules disagree with the checkpoint", 2, config("rules", "\"rules\": 3"),
                d -> resume(d.resolve("run")), List.of("config.json")));
        cases.add(new Case(files, "config.json dim disagrees with the checkpoint", 2, config("dim", "\"dim\": 32"),
                d -> resume(d.resolve("run")), List.of("config.json")));
        cases.add(new Case(files, "training_state empty on --resume", 2, runFile("training_state.safetensors", new byte[0]),
                d -> resume(d.resolve("run")), List.of("training_state.safetensors")));
        cases.add(new Case(files, "training_state truncated on --resume", 2, dir -> {
            Path state = copyRun(dir).resolve("training_state.safetensors");
            byte[] all = Files.readAllBytes(state);
            Files.write(state, Arrays.copyOf(all, all.length / 2));
            return null;
        }, d -> resume(d.resolve("run")), List.of("training_state.safetensors")));
        cases.add(new Case(files, "training_state garbage on --resume", 2,
                runFile("training_state.safetensors", bytes("\u0010\0\0\0\0\0\0\0not a header at all, sorry")),
                d -> resume(d.resolve("run")), List.of("training_state.safetensors")));
        cases.add(new Case(files, "training_state huge header length on --resume", 2,
                runFile("training_state.safetensors", new byte[] {-1, -1, -1, -1, -1, -1, -1, 127, 1, 2, 3}),
                d -> resume(d.resolve("run")), List.of("training_state.safetensors")));
        cases.add(new Case(files, "training_state of another run shape on --resume", 2, dir -> {
            Path run = copyRun(dir);
            Path other = dir.resolve("other");
            assertEquals(0, CliTest.run(train(other, "--dim", "24", "--iterations", "2").toArray(String[]::new)).code());
            Files.copy(other.resolve("training_state.safetensors"), run.resolve("training_state.safetensors"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return null;
        }, d -> resume(d.resolve("run")), List.of("training_state.safetensors")));
        cases.add(new Case(files, "training_state missing from a run past iteration 0", 2, dir -> {
            Path run = copyRun(dir);
            Files.delete(run.resolve("training_state.safetensors"));
            Files.delete(run.resolve("training_state.previous.safetensors"));
            return null;
        }, d -> resume(d.resolve("run")), List.of("training_state.safetensors")));
        cases.add(new Case(files, "--resume with a changed option", 2, RUN,
                d -> resume(d.resolve("run"), "--dim", "32"), List.of("--dim 32")));
        cases.add(new Case(files, "--resume with another --seed", 2, RUN,
                d -> resume(d.resolve("run"), "--seed", "5"), List.of("--seed 5")));

        String locks = "locks";
        cases.add(new Case(locks, "second train on a locked run", 2,
                dir -> RunLock.acquire(copyRun(dir)), d -> resume(d.resolve("run")),
                List.of("{dir}/run", "pid " + ProcessHandle.current().pid())));
        cases.add(new Case(locks, "fresh train into a locked empty directory", 2,
                dir -> RunLock.acquire(dir.resolve("run")), d -> train(d.resolve("run")),
                List.of("{dir}/run", "pid " + ProcessHandle.current().pid())));
        cases.add(new Case(locks, "--seeds with one replica locked", 2,
                dir -> RunLock.acquire(dir.resolve("g").resolve("seed2-data0")), d -> plus(resume(d.resolve("g")), "--seeds", "1,2"),
                List.of("{dir}/g/seed2-data0", "pid " + ProcessHandle.current().pid())));

        String eval = "eval";
        cases.add(new Case(eval, "--checkpoint middle", 2, RUN,
                d -> list("eval", d.resolve("run").toString(), "--checkpoint", "middle"), List.of("middle")));
        cases.add(new Case(eval, "missing run", 2, NONE,
                d -> list("eval", d.resolve("nowhere").toString()), List.of("{dir}/nowhere", "does not exist")));
        cases.add(new Case(eval, "empty directory", 2, dir -> {
            Files.createDirectories(dir.resolve("empty"));
            return null;
        }, d -> list("eval", d.resolve("empty").toString()), List.of("{dir}/empty")));
        cases.add(new Case(eval, "a file as RUN", 2, file("f", "mine"),
                d -> list("eval", d.resolve("f").toString()), List.of("{dir}/f")));
        cases.add(new Case(eval, "--eval-batch-size 0", 2, RUN,
                d -> list("eval", d.resolve("run").toString(), "--eval-batch-size", "0"), List.of("--eval-batch-size 0")));
        cases.add(new Case(eval, "--performance-batches -1", 2, RUN,
                d -> list("eval", d.resolve("run").toString(), "--performance-batches", "-1"), List.of("--performance-batches -1")));
        cases.add(new Case(eval, "--activation-batches 0", 2, RUN,
                d -> list("eval", d.resolve("run").toString(), "--activation-batches", "0"), List.of("--activation-batches 0")));
        cases.add(new Case(eval, "--adaptation-batches x", 2, RUN,
                d -> list("eval", d.resolve("run").toString(), "--adaptation-batches", "x"), List.of("x")));
        cases.add(new Case(eval, "--rules with a run", 2, RUN,
                d -> list("eval", d.resolve("run").toString(), "--rules", "3"), List.of("--rules 3")));
        cases.add(new Case(eval, "--device tpu", 2, RUN,
                d -> list("eval", d.resolve("run").toString(), "--device", "tpu"), List.of("tpu")));
        cases.add(new Case(eval, "--random-baseline without --rules", 2, NONE,
                d -> list("eval", "--random-baseline"), List.of("--rules")));
        cases.add(new Case(eval, "--random-baseline --rules 1", 2, NONE,
                d -> list("eval", "--random-baseline", "--rules", "1"), List.of("--rules 1")));
        cases.add(new Case(eval, "--random-baseline with a RUN", 2, RUN,
                d -> list("eval", d.resolve("run").toString(), "--random-baseline", "--rules", "4"), List.of("{dir}/run")));
        cases.add(new Case(eval, "model_last garbage", 2, runFile("model_last.safetensors", bytes("garbage!garbage!")),
                d -> list("eval", d.resolve("run").toString()), List.of("model_last.safetensors")));
        cases.add(new Case(eval, "model_last empty", 2, runFile("model_last.safetensors", new byte[0]),
                d -> list("eval", d.resolve("run").toString()), List.of("model_last.safetensors")));
        cases.add(new Case(eval, "model_best missing", 2, dir -> {
            Files.delete(copyRun(dir).resolve("model_best.safetensors"));
            return null;
        }, d -> list("eval", d.resolve("run").toString(), "--checkpoint", "best"), List.of("model_best.safetensors")));
        cases.add(new Case(eval, "model_last with NaN weights", 2, dir -> {
            Path last = copyRun(dir).resolve("model_last.safetensors");
            Safetensors.Loaded loaded = Safetensors.read(last);
            loaded.tensors().get(0).data()[0] = Float.NaN;
            Safetensors.write(last, loaded.tensors(), loaded.metadata());
            return null;
        }, d -> list("eval", d.resolve("run").toString()), List.of("model_last.safetensors", "non-finite")));
        cases.add(new Case(eval, "model_last of another shape", 2, dir -> {
            Path run = copyRun(dir);
            Path other = dir.resolve("other");
            assertEquals(0, CliTest.run(train(other, "--dim", "24", "--iterations", "2").toArray(String[]::new)).code());
            Files.copy(other.resolve("model_last.safetensors"), run.resolve("model_last.safetensors"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return null;
        }, d -> list("eval", d.resolve("run").toString()), List.of("model_last.safetensors")));
        cases.add(new Case(eval, "config.json \"rules\": 4.9", 2, config("rules", "\"rules\": 4.9"),
                d -> list("eval", d.resolve("run").toString()), List.of("config.json", "4.9")));

        String metrics = "metrics";
        String[][] matrices = {
            {"empty file", "", "empty"},
            {"not JSON", "not json", "not valid JSON"},
            {"trailing garbage", "{\"joint\": [[0.5, 0], [0, 0.5]]} extra", "trailing"},
            {"duplicate key", "{\"joint\": [[0.5, 0], [0, 0.5]], \"joint\": [[1]]}", "joint"},
            {"value too large for float32", "{\"joint\": [[1e308, 0], [0, 1]]}", "1E+308"},
            {"one row", "{\"joint\": [[0.5, 0.5]]}", "1 rows"},
            {"not square", "{\"joint\": [[0.5, 0.5, 0], [0, 0, 0]]}", "square"},
            {"negative entry", "{\"joint\": [[0.5, -0.1], [0.3, 0.3]]}", "-0.1"},
            {"joint and conditional", "{\"joint\": [[1]], \"conditional\": [[1]]}", "conditional"},
            {"joint not an array", "{\"joint\": 4}", "joint"},
            {"a row not an array", "{\"joint\": [1, 2]}", "joint[0]"},
            {"a string entry", "{\"joint\": [[0.5, \"x\"], [0.3, 0.2]]}", "joint[0][1]"},
            {"all zero", "{\"joint\": [[0, 0], [0, 0]]}", "zero"},
            {"an array", "[[0.5, 0], [0, 0.5]]", "joint"},
        };
        for (String[] m : matrices) {
            cases.add(new Case(metrics, m[0], 2, file("m.json", m[1]),
                    d -> list("metrics", d.resolve("m.json").toString()), List.of("{dir}/m.json", m[2])));
        }
        cases.add(new Case(metrics, "missing file", 2, NONE,
                d -> list("metrics", d.resolve("none.json").toString()), List.of("{dir}/none.json")));
        cases.add(new Case(metrics, "a directory", 2, dir -> {
            Files.createDirectories(dir.resolve("m.json"));
            return null;
        }, d -> list("metrics", d.resolve("m.json").toString()), List.of("{dir}/m.json")));
        cases.add(new Case(metrics, "no FILE", 2, NONE, d -> list("metrics"), List.of("FILE")));

        String data = "data";
        String[][] dataArgs = {
            {"--batch 0", "--batch 0", "data", "--task", "mlp-regression", "--batch", "0"},
            {"--batch 2000000", "--batch 2000000", "data", "--task", "mlp-regression", "--batch", "2000000"},
            {"--batch x", "x", "data", "--task", "mlp-regression", "--batch", "x"},
            {"neither --batch nor --coefficients", "--coefficients", "data", "--task", "mlp-regression"},
            {"both --batch and --coefficients", "--coefficients", "data", "--task", "mlp-regression", "--batch", "4", "--coefficients"},
            {"--coefficients --ood", "--ood", "data", "--task", "mlp-regression", "--coefficients", "--ood"},
            {"--rules 65", "--rules 65", "data", "--task", "mlp-regression", "--rules", "65", "--coefficients"},
            {"--task foo", "foo", "data", "--task", "foo", "--coefficients"},
            {"--seed -1", "--seed -1", "data", "--task", "mlp-regression", "--batch", "4", "--seed", "-1"},
            {"--data-seed -1", "--data-seed -1", "data", "--task", "mlp-regression", "--coefficients", "--data-seed", "-1"},
            {"no --task", "--task", "data", "--coefficients"},
            {"--seq-len on an mlp task", "--seq-len", "data", "--task", "mlp-regression", "--batch", "4", "--seq-len", "5"},
            {"--seq-len 1", "--seq-len 1", "data", "--task", "mha-regression", "--batch", "4", "--seq-len", "1"},
            {"--search-version 0", "--search-version 0", "data", "--task", "mha-regression", "--coefficients",
                "--search-version", "0"},
            {"--seq-len with --coefficients", "--seq-len", "data", "--task", "mha-regression", "--coefficients",
                "--seq-len", "5"},
            {"--batch times --seq-len too large", "--batch 200000", "data", "--task", "mha-regression", "--batch",
                "200000", "--seq-len", "10"},
            {"--d-dim on an mha task", "--d-dim", "data", "--task", "mha-regression", "--batch", "4", "--d-dim", "4"},
            {"--search-version on an rnn task", "--search-version", "data", "--task", "rnn-regression", "--batch", "4",
                "--search-version", "1"},
            {"--order 0", "--order 0", "data", "--task", "rnn-regression", "--coefficients", "--order", "0"},
            {"--d-dim 300", "--d-dim 300", "data", "--task", "rnn-regression", "--batch", "2", "--d-dim", "300"},
            {"rnn --seq-len 0", "--seq-len 0", "data", "--task", "rnn-regression", "--batch", "2", "--seq-len", "0"},
        };
        for (String[] a : dataArgs) {
            cases.add(new Case(data, a[0], 2, NONE, d -> List.of(Arrays.copyOfRange(a, 2, a.length)), List.of(a[1])));
        }
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> badInputs() {
        return cases().stream().map(c -> dynamicTest(c.category() + ": " + c.name(), () -> check(c)));
    }

    private static void check(Case c) throws Exception {
        Path dir = tmp.resolve("case" + (++counter));
        Files.createDirectories(dir);
        AutoCloseable held = c.setup().prepare(dir);
        CliTest.Result result;
        Map<String, String> before;
        Map<String, String> after;
        List<String> args = c.args().of(dir);
        try {
            before = snapshot(tmp);
            result = CliTest.run(args.toArray(String[]::new));
            after = snapshot(tmp);
        } finally {
            if (held != null) held.close();
        }
        String line = assertRefused(args, result, c.code(), c.named(), dir, before, after);
        PASSED.merge(c.category(), 1, Integer::sum);
        if (Boolean.getBoolean("badinput.verbose")) System.out.println(c.category() + " | " + c.name() + " | " + line);
    }

    /**
     * What every refusal of args must show: exit code, exactly one stderr line naming each of named ({dir} standing
     * for dir) and no trace, nothing on stdout, and the tree unchanged from before to after. Returns the line.
     */
    static String assertRefused(List<String> args, CliTest.Result result, int code, List<String> named, Path dir,
                                Map<String, String> before, Map<String, String> after) {
        String what = String.join(" ", args) + "\nstderr: " + result.err() + "stdout: " + result.out();
        assertEquals(code, result.code(), what);
        List<String> lines = result.err().lines().toList();
        assertEquals(1, lines.size(), "exactly one stderr line: " + what);
        String line = lines.get(0);
        assertTrue(line.startsWith("modarch: error: "), what);
        assertFalse(line.contains("internal error") || line.contains("Exception"), what);
        for (String name : named) {
            String expected = name.replace("{dir}", dir.toString());
            assertTrue(line.contains(expected), "the error names '" + expected + "': " + what);
        }
        assertEquals("", result.out(), "nothing on stdout: " + what);
        assertUnchanged(before, after, what);
        return line;
    }

    /** Equal trees, except the content of a lock file that existed before (taking a lock records the taker). */
    private static void assertUnchanged(Map<String, String> before, Map<String, String> after, String what) {
        Map<String, String> a = new TreeMap<>(after);
        Map<String, String> b = new TreeMap<>(before);
        for (String path : before.keySet()) {
            if (path.endsWith("/" + RunLock.FILE_NAME) && a.containsKey(path)) {
                a.put(path, "lock");
                b.put(path, "lock");
            }
        }
        assertEquals(b.toString().replace(", ", ",\n"), a.toString().replace(", ", ",\n"), "no file written or changed: " + what);
    }

    /** Every path below root: type, and for files their size, mtime and CRC32. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                BasicFileAttributes attributes = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String key = root.relativize(p).toString();
                if (attributes.isDirectory()) {
                    out.put(key + "/", "dir");
                } else if (attributes.isRegularFile()) {
                    CRC32 crc = new CRC32();
                    // never open a lock file: closing any descriptor of it drops this JVM's lock on it
                    if (!p.getFileName().toString().equals(RunLock.FILE_NAME)) crc.update(Files.readAllBytes(p));
                    out.put(key, "file " + attributes.size() + " bytes, mtime " + attributes.lastModifiedTime().toInstant()
                            + ", crc " + Long.toHexString(crc.getValue()));
                } else {
                    out.put(key, "other");
                }
            }
        }
        return out;
    }
}
