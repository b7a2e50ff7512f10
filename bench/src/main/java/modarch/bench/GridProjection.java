package modarch.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import modarch.backend.Backend;
import modarch.backend.IntBuf;
import modarch.backend.Precision;
import modarch.backend.cuda.CudaBackend;
import modarch.backend.cuda.CudaDriver;
import modarch.backend.cuda.JCudaDriver;
import modarch.backend.cuda.emu.EmulatedDriver;
import modarch.backend.cuda.emu.Schedule;
import modarch.model.Family;
import modarch.model.ModelKind;
import modarch.model.OptionValues;
import modarch.model.RunOption;
import modarch.sweep.ReplicaGroup;
import modarch.sweep.Sweep;
import modarch.sweep.SweepFile;
import modarch.train.Capacity;
import modarch.train.TrainConfig;

/**
 * The paper grids' GPU-hours, projected from step times measured here. For each family (sweeps/paper-FAMILY.yaml)
 * and each of its capacities: ms per training step of the grid's own Modular R = 8 regression shape, with 1 and 25
 * replicas, in each precision. Then every replica group of the grid (runs of one shape trained side by side) costs
 * its iterations at the measured rate of its family, capacity, precision and group size. Every kind and rule count
 * is costed as Modular R = 8, and evaluation is left out: the figure is a projection and says so. An 8-GPU node runs
 * the groups as a sweep's queue hands them out (in order, each to the first GPU free, every GPU at the measured
 * rate), which gives its time and speed-up over one GPU. A grid with a group of no measured rate gets no figure.
 * Prints Markdown.
 *
 * <pre>java -cp modarch.jar:bench-classes modarch.bench.GridProjection cuda|cuda-emulated [quick] [BUDGET_S]</pre>
 *
 * quick: the emulated device's dry run: one shape per family at (8, 16), batch 8, with 1 and 2 replicas, standing
 * for every capacity. BUDGET_S (default 360): no cell starts later; the cells left are said.
 */
public final class GridProjection {
    private static final String[] FAMILIES = {"mlp", "mha", "rnn"};
    private static final int RULES = 8;
    private static final int GPUS_PER_NODE = 8;
    private static final double CHUNK_SECONDS = 0.05;

    /** A measured cell: a family's capacity in a precision with a number of replicas. */
    private record Cell(String family, Capacity capacity, Precision precision, int replicas) {
    }

    private GridProjection() {
    }

    public static void main(String[] args) throws IOException {
        String device = args.length > 0 ? args[0] : "cuda";
        boolean quick = List.of(args).contains("quick");
        double budget = args.length > 0 && args[args.length - 1].matches("\\d+") ? Double.parseDouble(args[args.length - 1]) : 360;
        Map<String, Sweep> grids = new LinkedHashMap<>();
        for (String family : FAMILIES) grids.put(family, SweepFile.load(Path.of("sweeps", "paper-" + family + ".yaml")));
        CudaDriver driver = device.equals("cuda") ? JCudaDriver.open(0) : new EmulatedDriver(Schedule.FORWARD);
        try (CudaBackend backend = new CudaBackend(driver, device)) {
            System.out.println("# " + device + ": " + backend.describe());
            Map<Cell, Double> ms = measure(backend, grids, quick, budget);
            project(grids, ms, quick ? 2 : 25);
        }
    }

    /** ms per step of every cell, as a Markdown table, until the budget runs out. */
    private static Map<Cell, Double> measure(Backend backend, Map<String, Sweep> grids, boolean quick, double budget) {
        System.out.println("\n## Step times of the paper grids' Modular R = 8 shapes (regression, batch 256; ms per"
                + " step of all replicas, median of 5 chunks)" + (quick ? "; dry run: capacity 8x16, batch 8" : "") + "\n");
        System.out.println("| family | capacity | precision | replicas | ms/step | ms/replica-step |");
        System.out.println("|---|---|---|---:|---:|---:|");
        int[] replicaCounts = quick ? new int[] {1, 2} : new int[] {1, 25};
        long start = System.nanoTime();
        Map<Cell, Double> ms = new LinkedHashMap<>();
        Map<List<Object>, Double> measured = new LinkedHashMap<>(); // by (shape, replicas): a dry run times one shape
        List<String> skipped = new ArrayList<>();
        Map<String, Map<Capacity, TrainConfig>> shapes = new LinkedHashMap<>();
        grids.forEach((family, grid) -> shapes.put(family, timedShapes(grid, quick)));
        for (Precision precision : Precision.values()) { // fp32 of every family first, should the budget run out
            for (String family : grids.keySet()) {
                for (Map.Entry<Capacity, TrainConfig> timed : shapes.get(family).entrySet()) {
                    for (int rep : replicaCounts) {
                        Cell cell = new Cell(family, timed.getKey(), precision, rep);
                        TrainConfig shape = timed.getValue().withPrecision(precision);
                        List<Object> key = List.of(shape, rep);
                        if (!measured.containsKey(key)) {
                            if ((System.nanoTime() - start) / 1e9 > budget) {
                                skipped.add(cell.family + " " + cell.capacity + " " + precision + " x" + rep);
                                continue;
                            }
                            double t = stepSeconds(backend, shape, rep) * 1e3;
                            measured.put(key, t);
                            System.out.printf(Locale.ROOT, "| %s | %s | %s | %d | %.3f | %.3f |%n", cell.family,
                                    Capacity.of(shape), precision, rep, t, t / rep);
                            System.out.flush();
                        }
                        ms.put(cell, measured.get(key));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%n%.0f s of measurement%s%n", (System.nanoTime() - start) / 1e9,
                skipped.isEmpty() ? "" : "; past the budget, not measured: " + String.join(", ", skipped));
        return ms;
    }

    /**
     * The grid's Modular R = 8 regression shape (search version 1) to time for each of its capacities; when quick,
     * one shape at (8, 16) for them all.
     */
    private static Map<Capacity, TrainConfig> timedShapes(Sweep grid, boolean quick) {
        Map<Capacity, TrainConfig> shapes = new LinkedHashMap<>();
        for (ReplicaGroup group : grid.groups()) {
            TrainConfig shape = group.shape();
            boolean regression = shape.task().cliName().endsWith("-regression");
            boolean firstSearch = !shape.options().values().containsKey("search_version")
                    || ((Number) shape.options().values().get("search_version")).intValue() == 1;
            if (shape.model() == ModelKind.MODULAR && shape.rules() == RULES && regression && firstSearch) {
                shapes.putIfAbsent(Capacity.of(shape), shape);
            }
        }
        if (!quick) return shapes;
        TrainConfig tiny = atCapacity(shapes.values().iterator().next(), 8, 16, 8);
        shapes.replaceAll((capacity, shape) -> tiny);
        return shapes;
    }

    /** shape with its capacity pair set to (a, b) and its batch to batch. */
    private static TrainConfig atCapacity(TrainConfig shape, int a, int b, int batch) {
        Family family = shape.task().family();
        OptionValues values = new OptionValues().putAll(family.options(), shape.options().values());
        List<RunOption> pair = family.capacity();
        values.put(pair.get(0), a).put(pair.get(1), b);
        return new TrainConfig(shape.task(), shape.model(), shape.rules(), family.options(values), batch,
                shape.lr(), shape.iterations(), shape.evalEvery(), shape.seed(), shape.dataSeed());
    }

    /** Median seconds per step of rep replicas of shape, each chunk about CHUNK_SECONDS long. */
    private static double stepSeconds(Backend backend, TrainConfig shape, int rep) {
        long[] iteration = {0};
        try (GpuStepTimer.Run run = new GpuStepTimer.Run(backend, shape, rep); IntBuf sync = backend.allocInts(1)) {
            double once = GpuStepTimer.median(backend, sync, 1, () -> run.step.run(++iteration[0]));
            int calls = (int) Math.max(1, Math.min(100, CHUNK_SECONDS / once));
            return GpuStepTimer.median(backend, sync, calls, () -> run.step.run(++iteration[0]));
        }
    }

    /**
     * Each grid's GPU-hours per precision from the measured rates at group size groupSize, and its time on an 8-GPU
     * node as the sweep's queue schedules it: groups in order, each to the first GPU free.
     */
    private static void project(Map<String, Sweep> grids, Map<Cell, Double> ms, int groupSize) {
        System.out.println("\n## The paper grids projected (training steps only, every group at its capacity's"
                + " Modular R = 8 rate with " + groupSize + " replicas)\n");
        System.out.println("| grid | runs | groups | precision | GPU-hours | days on one " + GPUS_PER_NODE
                + "-GPU node (queue schedule) | speed-up of " + GPUS_PER_NODE + " GPUs | groups without a measured rate |");
        System.out.println("|---|---:|---:|---|---:|---:|---:|---:|");
        for (Map.Entry<String, Sweep> grid : grids.entrySet()) {
            Sweep sweep = grid.getValue();
            for (Precision precision : Precision.values()) {
                List<Double> hours = new ArrayList<>(); // each group's, in queue order
                int unmeasured = 0;
                for (ReplicaGroup group : sweep.groups()) {
                    Double t = ms.get(new Cell(grid.getKey(), Capacity.of(group.shape()), precision, groupSize));
                    if (t == null) unmeasured++;
                    else hours.add(t * group.shape().iterations() / 3.6e6);
                }
                double total = hours.stream().mapToDouble(Double::doubleValue).sum();
                double node = makespan(hours, GPUS_PER_NODE);
                boolean whole = unmeasured == 0;
                System.out.printf(Locale.ROOT, "| paper-%s | %d | %d | %s | %s | %s | %s | %d |%n", grid.getKey(),
                        sweep.runs().size(), sweep.groups().size(), precision, whole ? format("%.0f", total) : "—",
                        whole ? format("%.1f", node / 24) : "—", whole ? format("%.2fx", total / node) : "—",
                        unmeasured);
            }
        }
    }

    /** The time the last of gpus finishes, each job in order going to the GPU free first. */
    private static double makespan(List<Double> jobs, int gpus) {
        PriorityQueue<Double> freeAt = new PriorityQueue<>();
        for (int g = 0; g < gpus; g++) freeAt.add(0.0);
        for (double job : jobs) freeAt.add(freeAt.poll() + job);
        double last = 0;
        for (double t : freeAt) last = Math.max(last, t);
        return last;
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }
}
