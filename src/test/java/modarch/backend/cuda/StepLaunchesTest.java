package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import modarch.backend.cuda.emu.EmulatedDriver;
import modarch.backend.cuda.emu.Schedule;
import modarch.model.Model;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.model.Registry;
import modarch.model.mha.MhaOptions;
import modarch.model.rnn.RnnOptions;
import modarch.task.Task;
import modarch.train.Adam;
import modarch.train.Loss;
import modarch.train.TrainConfig;
import modarch.train.TrainStep;
import org.junit.jupiter.api.Test;

/**
 * The kernel launches of one replayed training step, by kernel, counted on the emulated device: a guard against a
 * change that adds launches (a step on a GPU at small widths is bound by its launches, issue 20). A count that
 * falls is progress: lower the expectation here.
 */
class StepLaunchesTest {

    @Test
    void aModularMlpStepOfEightRules() {
        // the shape of bench/results/gpu-NVIDIA-H200-2026-11-26.md's "where one eager step's GPU time goes"
        TrainConfig shape = new TrainConfig(Registry.task("mlp-regression"), ModelKind.MODULAR, 8, 32, 128, 256,
                1e-4, 1, 1, 0, 0);
        assertEquals(Map.ofEntries(
                Map.entry("adam_step", 1), Map.entry("block_dot_accumulate", 1), Map.entry("column_sum_accumulate", 8),
                Map.entry("copy_blocks", 10), Map.entry("counter64_increment", 1),
                Map.entry("gemm_small", 12), Map.entry("gemm_tiled", 16),
                Map.entry("l1_loss", 1), Map.entry("mlp_task_batch", 1), Map.entry("one_hot", 1),
                Map.entry("relu_backward", 4), Map.entry("scale_blocks", 2), Map.entry("softmax_rows", 1),
                Map.entry("softmax_rows_backward", 1)), launches(shape));
    }

    @Test
    void aModularMhaStep() {
        TrainConfig shape = new TrainConfig(Registry.task("mha-regression"), ModelKind.MODULAR, 4,
                new MhaOptions(16, 32, 1, 5, 0), 8, 1e-4, 1, 1, 0, 0);
        assertEquals(Map.ofEntries(
                Map.entry("adam_step", 1), Map.entry("attention_backward", 1), Map.entry("attention_forward", 1),
                Map.entry("block_dot_accumulate", 1), Map.entry("column_sum_accumulate", 10), Map.entry("copy_blocks", 6),
                Map.entry("counter64_increment", 1),
                Map.entry("gemm_small", 35), Map.entry("l1_loss", 1), Map.entry("mha_task_batch", 1),
                Map.entry("one_hot", 1), Map.entry("relu_backward", 3), Map.entry("scale_blocks", 2),
                Map.entry("softmax_rows", 1), Map.entry("softmax_rows_backward", 1)), launches(shape));
    }

    @Test
    void aModularRnnStep() {
        TrainConfig shape = new TrainConfig(Registry.task("rnn-regression"), ModelKind.MODULAR, 4,
                new RnnOptions(16, 16, 4, 1, 5), 8, 1e-4, 1, 1, 0, 0);
        assertEquals(Map.ofEntries(
                Map.entry("adam_step", 1), Map.entry("column_sum_accumulate", 9), Map.entry("copy_blocks", 6),
                Map.entry("counter64_increment", 1), Map.entry("fill_f32", 2),
                Map.entry("gemm_small", 24), Map.entry("grad_clip_scale", 1), Map.entry("grad_norm_partial", 1),
                Map.entry("l1_loss", 1), Map.entry("lstm_cell_backward", 5), Map.entry("lstm_cell_forward", 5),
                Map.entry("one_hot", 1), Map.entry("relu_backward", 2), Map.entry("rnn_task_batch", 1)), launches(shape));
    }

    /** The launches of the third step of one replica of shape (the first runs eagerly, the second is recorded). */
    private static Map<String, Integer> launches(TrainConfig shape) {
        EmulatedDriver driver = new EmulatedDriver(Schedule.FORWARD);
        try (CudaBackend backend = new CudaBackend(driver, "cuda-emulated")) {
            Task[] tasks = {shape.newTask(0)};
            long[] seeds = {1};
            ModelSpec spec = shape.modelSpec();
            try (Model model = shape.task().newModel(backend, 1, spec, shape.batchSize() * spec.maxLength());
                 Adam adam = new Adam(backend, model.arena(), shape.lr());
                 TrainStep step = new TrainStep(backend, model, tasks, seeds, Loss.forTask(false), adam,
                         shape.batchSize(), tasks[0].trainLength(), shape.task().family().maxGradNorm())) {
                model.init(0, seeds[0]);
                step.run(1);
                step.run(2);
                driver.resetLaunchCounts();
                step.run(3);
                return new TreeMap<>(driver.launchCounts());
            }
        }
    }
}
