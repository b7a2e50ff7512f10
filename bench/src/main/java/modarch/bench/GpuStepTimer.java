package modarch.bench;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;

import java.util.Arrays;
import modarch.backend.ops.AttentionBackward;
import modarch.backend.ops.AttentionForward;
import java.util.Locale;
import java.util.Map;
import modarch.backend.Backend;
import modarch.backend.cuda.CudaBackend;
import modarch.backend.cuda.CudaDriver;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.JCudaDriver;
import modarch.backend.cuda.emu.EmulatedDriver;
import modarch.backend.cuda.emu.Schedule;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.ops.AdamUpdate;
import modarch.backend.ops.Fill;
import modarch.backend.ops.Gemm;
import modarch.model.Model;
import modarch.model.ModelSpec;
import modarch.model.ModelKind;
import modarch.model.Registry;
import modarch.model.mha.MhaOptions;
import modarch.model.rnn.RnnOptions;
import modarch.task.MlpTaskBatch;
import modarch.task.Task;
import modarch.train.Adam;
import modarch.train.Loss;
import modarch.train.TrainConfig;
import modarch.train.TrainStep;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;

/**
 * Times the CUDA backend on whatever device --device names (a GPU, or the emulated device for a dry run):
 * per kernel (ms, GB/s or GFLOP/s) and ms per training step of every MLP kind at R in {2, 8, 32},
 * (E, D) in {(32, 128), (512, 2048)}, with 1 and 25 replicas; batch 256, as the paper. Each figure is the median
 * of 5 timed chunks, every chunk ending in a download (so the device has finished). Prints Markdown.
 *
 * With "mha": the fused attention kernels per length and kept keys, and ms per MHA training step of every kind.
 * With "rnn": ms per RNN training step of every kind.
 *
 * <pre>java -cp modarch.jar modarch.bench.GpuStepTimer cuda [quick] [mha|rnn]</pre>
 */
public final class GpuStepTimer {
    private static final int BATCH = 256;
    private static final int CHUNKS = 5;

    private GpuStepTimer() {
    }

    public static void main(String[] args) {
        String device = args.length > 0 ? args[0] : "cuda";
        boolean quick = Arrays.asList(args).contains("quick");
        CudaDriver driver = device.equals("cuda") ? JCudaDriver.open(0) : new EmulatedDriver(Schedule.FORWARD);
        try (CudaBackend backend = new CudaBackend(driver, device)) {
            System.out.println("# " + device + ": " + backend.describe());
            if (Arrays.asList(args).contains("mha")) {
                attention(backend, quick);
                sequenceSteps(backend, quick, "mha");
                return;
            }
            if (Arrays.asList(args).contains("rnn")) {
                sequenceSteps(backend, quick, "rnn");
                return;
            }
            kernels(backend, quick, fp32Peak(driver));
            steps(backend, quick);
            if (driver instanceof JCudaDriver gpu) {
                gemmChoice(backend);
                profile(backend, gpu, ModelKind.MODULAR, 8, 32, 128, 1);
                profile(backend, gpu, ModelKind.MODULAR, 8, 32, 128, 25);
                profile(backend, gpu, ModelKind.MODULAR, 8, 512, 2048, 1);
            }
        }
    }

    /** The step times that depend on gemm_small, with it and without (gemm_medium or gemm_tiled), side by side. */
    private static void gemmChoice(CudaBackend backend) {
        System.out.println("\n## gemm_small against the tiled kernels alone (ms per step, medians, one after the other)\n");
        System.out.println("| kind | R | E | D | replicas | with gemm_small | tiled only |\n|---|---:|---:|---:|---:|---:|---:|");
        try (CudaBackend tiledOnly = tiledOnly()) {
            for (int[] c : new int[][] {{8, 32, 128, 1}, {8, 32, 128, 25}, {8, 512, 2048, 1}, {32, 32, 128, 25}}) {
                double with = step(backend, ModelKind.MODULAR, c[0], c[1], c[2], c[3], false) * 1e3;
                double without = step(tiledOnly, ModelKind.MODULAR, c[0], c[1], c[2], c[3], false) * 1e3;
                System.out.printf(Locale.ROOT, "| modular | %d | %d | %d | %d | %.3f | %.3f |%n", c[0], c[1], c[2], c[3],
                        with, without);
            }
        }
    }

    private static CudaBackend tiledOnly() {
        System.setProperty(Gpu.TILED_ONLY_PROPERTY, "true");
        try {
            return new CudaBackend(JCudaDriver.open(0), "cuda");
        } finally {
            System.clearProperty(Gpu.TILED_ONLY_PROPERTY);
        }
    }

    /** GPU time per kernel of one eager step (after a warm-up step of another TrainStep), from CUDA events. */
    private static void profile(Backend backend, JCudaDriver gpu, ModelKind kind, int rules, int enc, int dim, int rep) {
        System.out.printf(Locale.ROOT, "%n## Where one eager step's GPU time goes: %s R=%d E=%d D=%d, %d replicas%n%n",
                kind.cliName(), rules, enc, dim, rep);
        System.out.println("| kernel | launches | GPU ms | share |\n|---|---:|---:|---:|");
        try (Run warm = new Run(backend, kind, rules, enc, dim, rep)) {
            warm.step.run(1);
        }
        try (Run run = new Run(backend, kind, rules, enc, dim, rep)) {
            gpu.startProfile();
            run.step.run(1);
            Map<String, double[]> totals = gpu.stopProfile();
            double all = totals.values().stream().mapToDouble(t -> t[0]).sum();
            totals.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                    .forEach(e -> System.out.printf(Locale.ROOT, "| %s | %d | %.4f | %.0f%% |%n", e.getKey(),
                            (int) e.getValue()[1], e.getValue()[0], 100 * e.getValue()[0] / all));
            System.out.printf(Locale.ROOT, "| all | %d | %.4f | |%n",
                    (int) totals.values().stream().mapToDouble(t -> t[1]).sum(), all);
        }
    }

    /** Median seconds per call of body over CHUNKS chunks of calls, each chunk ending in a download of sync. */
    static double median(Backend backend, IntBuf sync, int calls, Runnable body) {
        body.run();
        int[] one = new int[1];
        backend.download(sync, 0, one, 0, 1);
        double[] seconds = new double[CHUNKS];
        for (int c = 0; c < CHUNKS; c++) {
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) body.run();
            backend.download(sync, 0, one, 0, 1);
            seconds[c] = (System.nanoTime() - start) / 1e9 / calls;
        }
        Arrays.sort(seconds);
        return seconds[CHUNKS / 2];
    }

    /**
     * The module GEMMs, per precision (fp32: gemm_tiled, gemm_medium or gemm_small by the item's shape; else
     * gemm_tf32), at (E512, D2048) (rows 256: forward, input and weight gradients, R = 8 modules of 1 and of 25
     * replicas) and (E32, D128), each with bias and ReLU, as a rate and a share of fp32Peak (FLOP/s).
     */
    private static void gemms(Backend backend, boolean quick, double fp32Peak, IntBuf sync, int calls) {
        System.out.printf(Locale.ROOT, "%n## GEMM (FP32 peak %s)%n%n", Double.isNaN(fp32Peak) ? "unknown"
                : String.format(Locale.ROOT, "%.1f TFLOP/s: SMs x FP32 lanes x 2 x clock", fp32Peak / 1e12));
        System.out.println("| precision | product | items x m x n x k | ms | TFLOP/s | of FP32 peak |");
        System.out.println("|---|---|---|---:|---:|---:|");
        GemmShape[] shapes = quick ? new GemmShape[] {new GemmShape("forward", false, false, 1, 512, 512, 8),
            new GemmShape("weight gradient", true, false, 2, 96, 64, 24)} : new GemmShape[] {
                new GemmShape("forward", false, false, 8, 256, 2048, 512),
                new GemmShape("forward", false, false, 8, 256, 512, 2048),
                new GemmShape("input gradient", false, true, 8, 256, 512, 2048),
                new GemmShape("weight gradient", true, false, 8, 512, 2048, 256),
                new GemmShape("forward", false, false, 200, 256, 2048, 512),
                new GemmShape("forward", false, false, 200, 256, 512, 2048),
                new GemmShape("input gradient", false, true, 200, 256, 512, 2048),
                new GemmShape("weight gradient", true, false, 200, 512, 2048, 256),
                new GemmShape("both transposed", true, true, 200, 256, 2048, 512),
                new GemmShape("forward", false, false, 8, 256, 128, 32),
                new GemmShape("forward", false, false, 200, 256, 128, 32)};
        for (GemmShape p : shapes) {
            int items = p.items(), m = p.m(), n = p.n(), k = p.k();
            try (FloatBuf a = backend.allocFloats(items * m * k); FloatBuf b = backend.allocFloats(items * k * n);
                 FloatBuf c = backend.allocFloats(items * m * n); FloatBuf bias = backend.allocFloats(items * n)) {
                Mat aMat = p.transA() ? new Mat("a", a, 0, items, m * k, k, m, m)
                        : new Mat("a", a, 0, items, m * k, m, k, k);
                Mat bMat = p.transB() ? new Mat("b", b, 0, items, k * n, n, k, k)
                        : new Mat("b", b, 0, items, k * n, k, n, n);
                for (Precision precision : Precision.values()) {
                    Mat cMat = new Mat("c", c, 0, items, m * n, m, n, n);
                    Gemm product = Gemm.of(aMat, p.transA(), bMat, p.transB(), cMat)
                            .bias(Mat.items("bias", bias, 0, items, n, n)).relu(true).precision(precision);
                    double t = median(backend, sync, calls, () -> backend.run(product));
                    double flops = 2.0 * items * m * n * k / t;
                    System.out.printf(Locale.ROOT, "| %s | %s | %d x %dx%dx%d | %.4f | %.2f | %s |%n", precision.key(),
                            p.product(), items, m, n, k, t * 1e3, flops / 1e12, Double.isNaN(fp32Peak) ? "-"
                                    : String.format(Locale.ROOT, "%.0f%%", 100 * flops / fp32Peak));
                    System.out.flush();
                }
            }
        }
    }

    /** items products of op(A) (m, k) and op(B) (k, n); product says which of a module's it is. */
    private record GemmShape(String product, boolean transA, boolean transB, int items, int m, int n, int k) {
    }

    /**
     * GPU 0's FP32 peak in FLOP/s: SMs x FMA lanes per SM (64 on sm_80, 128 on sm_86 and newer) x 2 x its clock; NaN
     * when the driver does not say (or for the emulated device).
     */
    private static double fp32Peak(CudaDriver driver) {
        if (!(driver instanceof JCudaDriver)) return Double.NaN;
        try {
            CUdevice device = new CUdevice();
            cuDeviceGet(device, 0);
            int[] sms = new int[1], kHz = new int[1], major = new int[1], minor = new int[1];
            cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
            cuDeviceGetAttribute(kHz, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE, device);
            cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
            cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
            int lanes = major[0] == 8 && minor[0] == 0 ? 64 : 128;
            return kHz[0] > 0 ? (double) sms[0] * lanes * 2 * kHz[0] * 1e3 : Double.NaN;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static void kernels(Backend backend, boolean quick, double fp32Peak) {
        int calls = quick ? 2 : 20;
        try (IntBuf sync = backend.allocInts(1)) {
            gemms(backend, quick, fp32Peak, sync, calls);
            System.out.println("\n## Kernels\n\n| kernel | shape | ms | rate |\n|---|---|---:|---:|");
            int n = quick ? 4096 : 64 << 20;
            try (FloatBuf p = backend.allocFloats(n); FloatBuf g = backend.allocFloats(n); FloatBuf m1 = backend.allocFloats(n);
                 FloatBuf v = backend.allocFloats(n); IntBuf step = backend.allocInts(1)) {
                Fill zero = Fill.zeros(null, g, n);
                double t = median(backend, sync, calls, () -> backend.run(zero));
                row("fill_f32", n + " floats", t, 4.0 * n / t / 1e9, "GB/s");
                AdamUpdate adam = new AdamUpdate(Mat.vector("param", p, 0, n), Mat.vector("grad", g, 0, n),
                        Mat.vector("m", m1, 0, n), Mat.vector("v", v, 0, n), IntMat.vector("step", step, 0, 1), 1e-3,
                        0.9f, 0.999f, 1e-8f);
                t = median(backend, sync, calls, () -> backend.run(adam));
                row("adam_step (clears the gradient, advances the step)", n + " floats", t, 32.0 * n / t / 1e9, "GB/s");
            }
            int rep = 25, examples = quick ? 64 : 4096, rules = 8;
            try (IntBuf seeds = backend.allocInts(rep); IntBuf index = backend.allocInts(2);
                 IntBuf coefficients = backend.allocInts(4 * rep * rules); FloatBuf inputs = backend.allocFloats(2 * rep * examples);
                 IntBuf ruleOut = backend.allocInts(rep * examples); FloatBuf labels = backend.allocFloats(rep * examples)) {
                MlpTaskBatch batch = new MlpTaskBatch(rep, examples, rules, false, seeds, 1, index, false, coefficients,
                        null, inputs, ruleOut, labels);
                double t = median(backend, sync, calls, () -> backend.run(batch));
                row("mlp_task_batch", rep + " x " + examples + " examples", t, rep * examples / t / 1e9, "G examples/s");
            }
        }
    }

    private static void row(String kernel, String shape, double seconds, double rate, String unit) {
        System.out.printf(Locale.ROOT, "| %s | %s | %.4f | %.1f %s |%n", kernel, shape, seconds * 1e3, rate, unit);
        System.out.flush();
    }

    private static void steps(Backend backend, boolean quick) {
        System.out.println("\n## Training steps (batch 256, ms per step of all replicas)\n");
        System.out.println("| kind | R | E | D | replicas | ms/step | ms/step/replica |\n|---|---:|---:|---:|---:|---:|---:|");
        int[][] sizes = quick ? new int[][] {{8, 16}} : new int[][] {{32, 128}, {512, 2048}};
        int[] ruleCounts = quick ? new int[] {2} : new int[] {2, 8, 32};
        int[] replicaCounts = quick ? new int[] {1, 2} : new int[] {1, 25};
        for (int[] size : sizes) {
            for (int rules : ruleCounts) {
                for (ModelKind kind : ModelKind.values()) {
                    for (int rep : replicaCounts) {
                        double ms = step(backend, kind, rules, size[0], size[1], rep, quick) * 1e3;
                        System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %d | %.3f | %.3f |%n", kind.cliName(),
                                rules, size[0], size[1], rep, ms, ms / rep);
                        System.out.flush();
                    }
                }
            }
        }
    }

    /** A model of rep replicas of shape with its Adam and TrainStep (L1 loss; batch 256 unless shape says). */
    static final class Run implements AutoCloseable {
        final Model model;
        final Adam adam;
        final TrainStep step;

        Run(Backend backend, ModelKind kind, int rules, int enc, int dim, int rep) {
            this(backend, new TrainConfig(Registry.task("mlp-regression"), kind, rules, enc, dim, BATCH, 1e-4, 1, 1, 0, 0),
                    rep);
        }

        Run(Backend backend, TrainConfig shape, int rep) {
            Task[] tasks = new Task[rep];
            long[] seeds = new long[rep];
            for (int r = 0; r < rep; r++) {
                tasks[r] = shape.newTask(r);
                seeds[r] = r;
            }
            int length = tasks[0].trainLength();
            ModelSpec spec = shape.modelSpec();
            model = shape.task().newModel(backend, rep, spec, shape.batchSize() * spec.maxLength());
            for (int r = 0; r < rep; r++) model.init(r, r);
            adam = new Adam(backend, model.arena(), 1e-4);
            step = new TrainStep(backend, model, tasks, seeds, Loss.L1, adam, shape.batchSize(), length,
                    shape.task().family().maxGradNorm());
        }

        @Override
        public void close() {
            step.close();
            adam.close();
            model.close();
        }
    }

    /** Median seconds per training step of rep replicas. */
    private static double step(Backend backend, ModelKind kind, int rules, int enc, int dim, int rep, boolean quick) {
        long[] iteration = {0};
        long work = (long) rep * rules * enc * dim;
        int calls = quick ? 2 : (int) Math.max(3, Math.min(200, 2_000_000_000L / Math.max(1, work * BATCH)));
        try (Run run = new Run(backend, kind, rules, enc, dim, rep); IntBuf sync = backend.allocInts(1)) {
            return median(backend, sync, calls, () -> run.step.run(++iteration[0]));
        }
    }

    /**
     * The fused attention kernels at the MHA default (R = 4: 8 heads of 64, 256 sequences) per length L and kept keys
     * K: ms per call and GFLOP/s of the score and weighted-sum work (forward 4 L K hd per head and query, besides
     * the L scores; backward about twice the forward).
     */
    private static void attention(Backend backend, boolean quick) {
        System.out.println("\n## Sparse top-k attention (256 sequences, 8 heads of 64)\n");
        System.out.println("| L | K | forward ms | backward ms | forward GFLOP/s |\n|---:|---:|---:|---:|---:|");
        int seqs = quick ? 4 : 256, heads = 8, headDim = 64, calls = quick ? 2 : 20;
        for (int length : quick ? new int[] {10} : new int[] {10, 30, 100}) {
            for (int topK : new int[] {1, 2, length - 1}) {
                int n = seqs * length * heads * headDim, kept = seqs * heads * length * topK;
                try (IntBuf sync = backend.allocInts(1); FloatBuf q = backend.allocFloats(n); FloatBuf k = backend.allocFloats(n);
                     FloatBuf v = backend.allocFloats(n); FloatBuf out = backend.allocFloats(n); IntBuf keys = backend.allocInts(kept);
                     FloatBuf w = backend.allocFloats(kept); FloatBuf gs = backend.allocFloats(kept);
                     FloatBuf dq = backend.allocFloats(n); FloatBuf dk = backend.allocFloats(n); FloatBuf dv = backend.allocFloats(n)) {
                    AttentionForward attend = new AttentionForward(seqs, length, heads, headDim, topK, 0.125f, q, k, v,
                            out, keys, w);
                    AttentionBackward attendBackward = new AttentionBackward(seqs, length, heads, headDim, topK, 0.125f,
                            q, k, v, keys, w, out, gs, dq, dk, dv);
                    double forward = median(backend, sync, calls, () -> backend.run(attend));
                    double backwardTime = median(backend, sync, calls, () -> backend.run(attendBackward));
                    double flops = (double) seqs * heads * length * (2.0 * (length - 1) * headDim + 2.0 * topK * headDim);
                    System.out.printf(Locale.ROOT, "| %d | %d | %.4f | %.4f | %.1f |%n", length, topK, forward * 1e3,
                            backwardTime * 1e3, flops / forward / 1e9);
                    System.out.flush();
                }
            }
        }
    }

    /**
     * ms per training step of every kind, 1 and 25 replicas, batch 256 sequences of 10: MHA (dim 128, att_dim 512,
     * dense and top-1 attention) or RNN (d 32, enc 128, h_dim 128).
     */
    private static void sequenceSteps(Backend backend, boolean quick, String family) {
        boolean mha = family.equals("mha");
        System.out.println("\n## " + family.toUpperCase(Locale.ROOT) + " training steps ("
                + (mha ? "dim 128, att_dim 512" : "d 32, enc 128, h_dim 128") + ", L 10, batch 256; ms per step of all"
                + " replicas)\n");
        System.out.println("| kind | R | top-k | replicas | ms/step | ms/step/replica |\n|---|---:|---|---:|---:|---:|");
        int[][] cells = quick ? new int[][] {{2, 0, 1}} : mha ? new int[][] {{2, 0, 1}, {2, 0, 25}, {8, 0, 1}, {8, 0, 25},
            {8, 1, 1}, {8, 1, 25}} : new int[][] {{2, 0, 1}, {2, 0, 25}, {8, 0, 1}, {8, 0, 25}};
        int width = quick ? 16 : 128;
        for (int[] cell : cells) {
            for (ModelKind kind : ModelKind.values()) {
                if (cell[1] > 0 && kind != ModelKind.MODULAR) continue;
                TrainConfig shape = mha
                        ? new TrainConfig(Registry.task("mha-regression"), kind, cell[0],
                                new MhaOptions(width, quick ? 16 : 512, 1, 10, cell[1]), BATCH, 1e-4, 1, 1, 0, 0)
                        : new TrainConfig(Registry.task("rnn-regression"), kind, cell[0],
                                new RnnOptions(width, width, quick ? 4 : 32, 1, 10), BATCH, 1e-4, 1, 1, 0, 0);
                long[] iteration = {0};
                int calls = quick ? 2 : Math.max(5, 100 / cell[2]);
                try (Run run = new Run(backend, shape, cell[2]); IntBuf sync = backend.allocInts(1)) {
                    double ms = median(backend, sync, calls, () -> run.step.run(++iteration[0])) * 1e3;
                    System.out.printf(Locale.ROOT, "| %s | %d | %s | %d | %.3f | %.3f |%n", kind.cliName(), cell[0],
                            cell[1] == 0 ? "dense" : Integer.toString(cell[1]), cell[2], ms, ms / cell[2]);
                    System.out.flush();
                }
            }
        }
    }
}
