package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import modarch.io.RunLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad inputs of issue 22's items 3, 4, 5 and 7 and their kin, as {@link BadInputTest} checks its own: the exit
 * code, exactly one stderr line naming the value, nothing on stdout, no file written or changed. Sweep names that
 * leave the results folder; grids and evaluation counts past their bounds; size products that overflowed an int;
 * numbers in other digits than ASCII; replica groups whose training states disagree. Prints the count per category.
 */
class HardeningTest {
    @TempDir
    static Path tmp;

    /** Finished runs copied by the cases that need one: MLP regression, MHA regression, a group of two MLP replicas. */
    private static Path mlp;
    private static Path mha;
    private static Path group;
    private static final Map<String, Integer> PASSED = new TreeMap<>();
    private static int counter;

    /** Prepares a case's files in its own directory. */
    @FunctionalInterface
    interface Setup {
        void prepare(Path dir) throws Exception;
    }

    /** named: strings the error line must contain; "{dir}" stands for the case's directory. */
    record Case(String category, String name, int code, Setup setup, List<String> args, List<String> named) {
    }

    @BeforeAll
    static void trainFixtures() {
        mlp = trained("mlp", BadInputTest.train(tmp.resolve("mlp")));
        mha = trained("mha", BadInputTest.without(BadInputTest.train(tmp.resolve("mha"), "--task", "mha-regression",
                "--att-dim", "8"), "--enc-dim"));
        group = trained("group", BadInputTest.train(tmp.resolve("group"), "--seeds", "1,2"));
    }

    private static Path trained(String name, List<String> args) {
        CliTest.Result result = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), name + ": " + result.err());
        return tmp.resolve(name);
    }

    @AfterAll
    static void printCounts() {
        int total = PASSED.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder line = new StringBuilder("HardeningTest: " + total + " bad inputs passed:");
        PASSED.forEach((category, count) -> line.append(" ").append(category).append(" ").append(count).append(";"));
        System.out.println(line);
    }

    /** "{dir}/NAME" in a case's arguments. */
    private static String at(String name) {
        return "{dir}/" + name;
    }

    /** Setup: a sweep file dir/name holding text. */
    private static Setup sweep(String name, String text) {
        return dir -> Files.writeString(dir.resolve(name), text);
    }

    /** A sweep file's text: top-level lines, then one grid of mlp-regression, modular, with grid lines. */
    private static String grid(String top, String grid) {
        return top + "grids:\n  - tasks: [mlp-regression]\n    kinds: [modular]\n    rules: 2\n" + grid;
    }

    /** Setup: a copy of run (a run or a group of runs, without lock files) at dir/run, then edit on it. */
    private static Setup copy(Path run, Setup edit) {
        return dir -> {
            Path to = dir.resolve("run");
            try (Stream<Path> files = Files.walk(run)) {
                for (Path from : (Iterable<Path>) files::iterator) {
                    if (from.getFileName().toString().equals(RunLock.FILE_NAME)) continue;
                    Path target = to.resolve(run.relativize(from).toString());
                    if (Files.isDirectory(from)) Files.createDirectories(target);
                    else Files.copy(from, target);
                }
            }
            edit.prepare(to);
        };
    }

    private static final Setup NONE = dir -> { };

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        String names = "sweep names";
        for (String name : List.of("..", ".", "...", "../x", "a/b")) {
            cases.add(new Case(names, "name: " + name, 2, sweep("s.yaml", grid("name: '" + name + "'\n", "")),
                    List.of("sweep", "plan", at("s.yaml"), "--no-probe"), List.of("s.yaml line 1", "'name'", "'" + name + "'")));
        }
        cases.add(new Case(names, "name .. on sweep run --out", 2, sweep("s.yaml", grid("name: ..\n", "")),
                List.of("sweep", "run", at("s.yaml"), "--out", at("results")), List.of("'..'")));
        cases.add(new Case(names, "name taken from the file ..yaml", 2, sweep("..yaml", grid("", "")),
                List.of("sweep", "plan", at("..yaml"), "--no-probe"), List.of(at("..yaml"), "'.'", "'name'")));
        cases.add(new Case(names, "name taken from the file 'a b.yaml'", 2, sweep("a b.yaml", grid("", "")),
                List.of("sweep", "plan", at("a b.yaml"), "--no-probe"), List.of(at("a b.yaml"), "'a b'")));

        String before = "refused before the first line";
        for (String device : List.of("tpu", "cuda:x", "cuda", "cuda:0,0", "cuda-emulated:3")) {
            cases.add(new Case(before, "sweep run --device " + device, 2, sweep("s.yaml", grid("name: small\n", "")),
                    List.of("sweep", "run", at("s.yaml"), "--out", at("out"), "--device", device),
                    List.of("--device")));
        }
        String bounds = "bounded work";
        cases.add(new Case(bounds, "a grid of 10^9 runs", 2, sweep("s.yaml", grid("name: big\n", "    seeds: 0..999999999\n")),
                List.of("sweep", "plan", at("s.yaml"), "--no-probe"), List.of(at("s.yaml"), "1000000000 runs", "100000")));
        cases.add(new Case(bounds, "a grid past 2^63 runs", 2, sweep("s.yaml", grid("name: big\n",
                        "    seeds: 0..4294967295\n    data_seeds: 0..4294967295\n    options: {router_topk: 0..2147483647}\n")),
                List.of("sweep", "plan", at("s.yaml"), "--no-probe"), List.of("over 9223372036854775807 runs")));
        cases.add(new Case(bounds, "two grids past the limit together", 2, sweep("s.yaml", grid("name: big\n",
                        "    seeds: 0..60000\n  - tasks: [mlp-regression]\n    kinds: [monolithic]\n    rules: 2\n"
                                + "    seeds: 0..60000\n")),
                List.of("sweep", "slurm", at("s.yaml"), "--partition", "p", "--out", at("out")), List.of("120002 runs")));
        cases.add(new Case(bounds, "options lists multiply", 2, sweep("s.yaml", grid("name: big\n",
                        "    rules: [2, 4]\n    seeds: 0..999\n    data_seeds: 0..9\n    options: {load_balance: [0, 1, 2], router_topk: [0, 1]}\n")
                        .replace("    rules: 2\n", "")),
                List.of("sweep", "run", at("s.yaml"), "--out", at("out")), List.of("120000 runs")));
        for (String option : List.of("--performance-batches", "--activation-batches", "--adaptation-batches")) {
            cases.add(new Case(bounds, "eval " + option + " 2147483647", 2, copy(mlp, NONE),
                    List.of("eval", at("run"), option, "2147483647"), List.of(option + " 2147483647", "1..1000000")));
        }

        String sizes = "sizes";
        Object[][] trainSizes = { // a small run's overrides, and the text the error names
            {new String[] {"--batch-size", "2147483647"}, "--batch-size 2147483647"},
            {new String[] {"--batch-size", "16777217"}, "16777216"},
            {new String[] {"--batch-size", "200000", "--seeds", seeds(100)}, "--batch-size 200000"},
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--att-dim", "8", "--batch-size", "2147483647"},
                "--batch-size 2147483647"},
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--att-dim", "8", "--seq-len", "256",
                "--batch-size", "100000"}, "--batch-size 100000"},
            {new String[] {"--dim", "2147483647"}, "--dim 2147483647"},
            {new String[] {"--enc-dim", "2147483647"}, "--enc-dim 2147483647"},
            {new String[] {"--rules", "64", "--dim", "2147483584"}, "--dim 2147483584"},
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--att-dim", "2147483647"}, "--att-dim 2147483647"},
            {new String[] {"--task", "mha-regression", "--enc-dim", "0", "--att-dim", "8", "--dim", "2147483647"},
                "--dim 2147483647"},
        };
        for (Object[] v : trainSizes) {
            String[] overrides = (String[]) v[0];
            cases.add(new Case(sizes, "train " + String.join(" ", overrides).replaceAll("(\\d+,){3,}\\d+", "0,...,99"), 2,
                    NONE, withoutDim(BadInputTest.train(Path.of("{dir}/run"), overrides), overrides),
                    List.of((String) v[1])));
        }
        Object[][] rnnSizes = {
            {new String[] {"--h-dim", "2147483647"}, "--h-dim 2147483647"},
            {new String[] {"--enc-dim", "2147483647", "--model", "monolithic"}, "--enc-dim 2147483647"},
            {new String[] {"--batch-size", "2147483647"}, "--batch-size 2147483647"},
        };
        for (Object[] v : rnnSizes) {
            List<String> args = BadInputTest.without(BadInputTest.train(Path.of("{dir}/run"), "--task", "rnn-regression"),
                    "--dim");
            String[] overrides = (String[]) v[0];
            for (int i = 0; i < overrides.length; i += 2) {
                int at = args.indexOf(overrides[i]);
                if (at >= 0) args.set(at + 1, overrides[i + 1]);
                else args.addAll(List.of(overrides[i], overrides[i + 1]));
            }
            cases.add(new Case(sizes, "train rnn " + String.join(" ", overrides), 2, NONE, args, List.of((String) v[1])));
        }
        cases.add(new Case(sizes, "eval --eval-batch-size 2147483647", 2, copy(mlp, NONE),
                List.of("eval", at("run"), "--eval-batch-size", "2147483647"), List.of("--eval-batch-size 2147483647")));
        cases.add(new Case(sizes, "eval --eval-batch-size 1000000 of an MHA run (length 30)", 2, copy(mha, NONE),
                List.of("eval", at("run"), "--eval-batch-size", "1000000"), List.of("--eval-batch-size 1000000", "16777216")));
        cases.add(new Case(sizes, "sweep batch_size 2147483647", 2, sweep("s.yaml", grid("name: s\nbatch_size: 2147483647\n", "")),
                List.of("sweep", "plan", at("s.yaml"), "--no-probe"), List.of(at("s.yaml"), "batch_size 2147483647")));
        cases.add(new Case(sizes, "sweep batch_size 1000000 in groups of 25", 2,
                sweep("s.yaml", grid("name: s\nbatch_size: 1000000\n", "    seeds: 0..24\n")),
                List.of("sweep", "run", at("s.yaml"), "--out", at("out")), List.of("batch_size 1000000", "25 replica(s)")));
        cases.add(new Case(sizes, "sweep evaluation batch_size 1000000 of MHA runs", 2,
                sweep("s.yaml", "name: s\nevaluation: {batch_size: 1000000}\n" + grid("", "").replace("mlp-", "mha-")),
                List.of("sweep", "plan", at("s.yaml"), "--no-probe"), List.of("evaluation batch_size 1000000")));

        String digits = "digits";
        String[][] trainDigits = { // option, value (fullwidth, Arabic-Indic, Devanagari digits)
            {"--seed", "１"}, {"--rules", "٤"}, {"--data-seed", "३"}, {"--batch-size", "１６"}, {"--lr", "０.1"},
            {"--iterations", "٤"}, {"--eval-every", "２"}, {"--dim", "１６"}, {"--enc-dim", "٨"}, {"--load-balance", "٠.1"},
            {"--router-topk", "１"}, {"--seeds", "0,١"}, {"--data-seeds", "٠"},
        };
        for (String[] d : trainDigits) {
            List<String> args = BadInputTest.train(Path.of("{dir}/run"), d[0], d[1]);
            if (d[0].equals("--data-seeds")) args.addAll(List.of("--seeds", "1"));
            cases.add(new Case(digits, "train " + d[0] + " " + d[1], 2, NONE, args,
                    List.of("'" + d[0] + "'", d[1].substring(d[1].indexOf(',') + 1), "ASCII")));
        }
        String[][] otherDigits = { // arguments, the option named
            {"--activation-batches", "eval", "{dir}/run", "--activation-batches", "５"},
            {"--eval-batch-size", "eval", "{dir}/run", "--eval-batch-size", "１０"},
            {"--rules", "eval", "--random-baseline", "--rules", "٤"},
            {"--batch", "data", "--task", "mlp-regression", "--batch", "４"},
            {"--seq-len", "data", "--task", "mha-regression", "--batch", "4", "--seq-len", "５"},
            {"--workers", "sweep", "run", "{dir}/s.yaml", "--workers", "２"},
            {"--group", "sweep", "run", "{dir}/s.yaml", "--group", "٠"},
            {"--cpus-per-task", "sweep", "slurm", "{dir}/s.yaml", "--partition", "p", "--cpus-per-task", "２"},
            {"--heatmap-rules", "report", "{dir}/run", "--heatmap-rules", "４"},
        };
        for (String[] d : otherDigits) {
            List<String> args = List.of(d).subList(1, d.length);
            Setup setup = args.get(0).equals("sweep") ? sweep("s.yaml", grid("name: s\n", "")) : copy(mlp, NONE);
            cases.add(new Case(digits, String.join(" ", args), 2, setup, args, List.of("'" + d[0] + "'", "ASCII")));
        }
        String[][] yamlDigits = { // top lines, grid lines, the key named
            {"", "    seeds: [0, ١]\n", "seeds"},
            {"", "    seeds: ٠..٣\n", "seeds"},
            {"", "    data_seeds: １\n", "data_seeds"},
            {"lr: ０.1\n", "", "lr"},
            {"group_size: ２\n", "", "group_size"},
            {"iterations: ١٠\n", "", "iterations"},
            {"evaluation: {batch_size: １０}\n", "", "batch_size"},
            {"", "    options: {load_balance: [٠.1]}\n", "load_balance"},
            {"", "    options: {router_topk: [١]}\n", "router_topk"},
            {"", "    capacities: [[８, 16]]\n", "capacities"},
        };
        for (String[] y : yamlDigits) {
            cases.add(new Case(digits, "sweep file " + (y[0] + y[1]).trim(), 2, sweep("s.yaml", grid("name: s\n" + y[0], y[1])),
                    List.of("sweep", "plan", at("s.yaml"), "--no-probe"), List.of(at("s.yaml"), "'" + y[2] + "'", "ASCII")));
        }
        cases.add(new Case(digits, "sweep file rules: ٤", 2,
                sweep("s.yaml", grid("name: s\n", "").replace("rules: 2", "rules: ٤")),
                List.of("sweep", "plan", at("s.yaml"), "--no-probe"), List.of("'rules'", "'٤'", "ASCII")));

        String files = "run files";
        cases.add(new Case(files, "a replica without a training state beside one at iteration 4", 2,
                copy(group, run -> {
                    Files.delete(run.resolve("seed2-data0/training_state.safetensors"));
                    Files.delete(run.resolve("seed2-data0/training_state.previous.safetensors"));
                }), BadInputTest.resume(Path.of("{dir}/run"), "--seeds", "1,2"),
                List.of(at("run/seed2-data0/training_state.safetensors"), "iteration 4")));
        return cases;
    }

    /** "1,2,...,n" (n model seeds). */
    private static String seeds(int n) {
        return String.join(",", java.util.stream.IntStream.rangeClosed(1, n).mapToObj(Integer::toString).toList());
    }

    /** An MHA run's arguments without the MLP run's --enc-dim 0 placeholder. */
    private static List<String> withoutDim(List<String> args, String[] overrides) {
        return List.of(overrides).contains("mha-regression") ? BadInputTest.without(args, "--enc-dim") : args;
    }

    @TestFactory
    Stream<DynamicTest> badInputs() {
        return cases().stream().map(c -> dynamicTest(c.category() + ": " + c.name(), () -> check(c)));
    }

    /** Item 4: a grid of 10^9 runs is refused from its axes' sizes, without building a run. */
    @Test
    void aBillionRunGridIsRefusedFast() throws IOException {
        Path file = tmp.resolve("billion.yaml");
        Files.writeString(file, grid("name: billion\n", "    seeds: 0..99999\n    data_seeds: 0..9999\n"));
        long start = System.nanoTime();
        CliTest.Result result = CliTest.run("sweep", "plan", file.toString(), "--no-probe");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(2, result.code(), result.err());
        assertTrue(result.err().contains("1000000000 runs"), result.err());
        assertTrue(seconds < 3, "refused in " + seconds + " s");
    }

    private static void check(Case c) throws Exception {
        Path dir = tmp.resolve("case" + (++counter));
        Files.createDirectories(dir);
        c.setup().prepare(dir);
        List<String> args = c.args().stream().map(a -> a.replace("{dir}", dir.toString())).toList();
        Map<String, String> before = BadInputTest.snapshot(tmp);
        CliTest.Result result = CliTest.run(args.toArray(String[]::new));
        Map<String, String> after = BadInputTest.snapshot(tmp);
        String line = BadInputTest.assertRefused(args, result, c.code(), c.named(), dir, before, after);
        PASSED.merge(c.category(), 1, Integer::sum);
        if (Boolean.getBoolean("badinput.verbose")) System.out.println(c.category() + " | " + c.name() + " | " + line);
    }
}
