package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import modarch.backend.cuda.emu.EmulatedDriver;
import modarch.backend.Precision;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kernel launches of one replayed training step, by kernel, counted on the emulated device: a guard against a
 * change that adds launches (a step on a GPU at small widths is bound by its launches, issue 20). A count that
 * falls is progress: lower the expectation here.
 */
class StepLaunchesTest {

    /** Each family's Modular step: its shape, then its launches per kernel (as a sorted map prints them) and in all. */
    static Stream<Arguments> steps() {
        return Stream.of(
                // the shape of bench/results/gpu-NVIDIA-H200-2026-11-26.md's "where one eager step's GPU time goes"
                Arguments.of(new TrainConfig(Registry.task("mlp-regression"), ModelKind.MODULAR, 8, 32, 128, 256, 1e-4,
                        1, 1, 0, 0), "{adam_step=1, copy_blocks=1, copy_blocks_pair=2, gemm_medium=1, "
                        + "gemm_multi=7, gemm_small=1, l1_loss=1, mlp_task_batch=1, module_mlp_backward=1, "
                        + "module_mlp_forward=1, one_hot=1}", 18),
                Arguments.of(new TrainConfig(Registry.task("mha-regression"), ModelKind.MODULAR, 4,
                        new MhaOptions(16, 32, 1, 5, 0), 8, 1e-4, 1, 1, 0, 0), "{adam_step=1, attention_backward=1, "
                        + "attention_forward=1, copy_blocks_pair=3, gemm_multi=9, gemm_small=5, l1_loss=1, mha_task_batch=1, "
                        + "module_mlp_backward=1, module_mlp_forward=1, one_hot=1}", 25),
                Arguments.of(new TrainConfig(Registry.task("rnn-regression"), ModelKind.MODULAR, 4,
                        new RnnOptions(16, 16, 4, 1, 5), 8, 1e-4, 1, 1, 0, 0), "{adam_step=1, column_sum_accumulate=1, "
                        + "copy_blocks=4, copy_blocks_pair=1, gemm_multi=4, gemm_small=6, grad_clip_scale=1, "
                        + "grad_norm_partial=1, l1_loss=1, lstm_window_backward=1, lstm_window_forward=1, one_hot=1, "
                        + "rnn_task_batch=1}", 24),
                // tf32: the LSTM window's parts, a recurrent product and a cell launch per step
                Arguments.of(new TrainConfig(Registry.task("rnn-regression"), ModelKind.MODULAR, 4,
                        new RnnOptions(16, 16, 4, 1, 5), 8, 1e-4, 1, 1, 0, 0).withPrecision(Precision.TF32),
                        "{adam_step=1, column_sum_accumulate=5, copy_blocks=4, copy_blocks_pair=1, fill_f32=2, gemm_tf32=24, "
                        + "grad_clip_scale=1, grad_norm_partial=1, l1_loss=1, lstm_cell_backward=5, lstm_cell_forward=5, "
                        + "one_hot=1, rnn_task_batch=1}", 52));
    }

    @ParameterizedTest(name = "[{index}] {2} launches")
    @MethodSource("steps")
    void aStepMakesTheseLaunches(TrainConfig shape, String expected, int total) {
        Map<String, Integer> launches = launches(shape);
        assertEquals(expected, launches.toString());
        assertEquals(total, launches.values().stream().mapToInt(Integer::intValue).sum());
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
