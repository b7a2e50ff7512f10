package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import modarch.backend.Backends;
import modarch.backend.cuda.emu.EmulatedDriver;
import modarch.backend.cuda.emu.Schedule;
import modarch.model.ModelKind;
import modarch.model.Registry;
import modarch.train.LoadedRun;
import modarch.train.RunDirectory;
import modarch.train.TrainConfig;
import modarch.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device that fails in the middle of a run (a lost GPU, a failed launch) ends the run with the driver's
 * {@link CudaException} instead of hanging, and leaves the last checkpoint whole: it loads, at its iteration.
 */
class GpuFailureTest {

    /** The emulated device, whose recorded step fails from its failAtReplay-th replay on. */
    private static final class FailingDriver implements CudaDriver {
        private final CudaDriver device = new EmulatedDriver(Schedule.FORWARD);
        private final int failAtReplay;
        private int replays;

        FailingDriver(int failAtReplay) {
            this.failAtReplay = failAtReplay;
        }

        @Override
        public Graph endCapture() {
            Graph graph = device.endCapture();
            return new Graph() {
                @Override
                public void replay() {
                    if (++replays >= failAtReplay) throw new CudaException("cuGraphLaunch failed: CUDA_ERROR_LAUNCH_FAILED");
                    graph.replay();
                }

                @Override
                public void close() {
                    graph.close();
                }
            };
        }

        @Override public String describe() { return device.describe(); }
        @Override public long malloc(long bytes) { return device.malloc(bytes); }
        @Override public void free(long pointer) { device.free(pointer); }
        @Override public void copyToDevice(float[] src, int srcOff, long dst, int n) { device.copyToDevice(src, srcOff, dst, n); }
        @Override public void copyToDevice(int[] src, int srcOff, long dst, int n) { device.copyToDevice(src, srcOff, dst, n); }
        @Override public void copyToHost(long src, float[] dst, int dstOff, int n) { device.copyToHost(src, dst, dstOff, n); }
        @Override public void copyToHost(long src, int[] dst, int dstOff, int n) { device.copyToHost(src, dst, dstOff, n); }
        @Override public void fill32(long dst, int value, long n) { device.fill32(dst, value, n); }
        @Override public Kernel kernel(String name) { return device.kernel(name); }
        @Override public void beginCapture() { device.beginCapture(); }
        @Override public void synchronize() { device.synchronize(); }
        @Override public void close() { device.close(); }

        @Override
        public void launch(Kernel kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                           int sharedBytes, KernelArgs args) {
            device.launch(kernel, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, args);
        }
    }

    @Test
    void aFailureInTheMiddleOfARunLeavesItsLastCheckpoint(@TempDir Path tmp) throws Exception {
        TrainConfig config = new TrainConfig(Registry.task("mlp-regression"), ModelKind.MODULAR, 3, 8, 16, 16, 1e-3,
                12, 4, 7, 2);
        RunDirectory dir = new RunDirectory(tmp.resolve("run"));
        try (CudaBackend backend = new CudaBackend(new FailingDriver(7), "cuda-emulated");
             Trainer trainer = new Trainer(List.of(config), "cuda-emulated", backend, List.of(dir), false)) {
            CudaException failure = assertThrows(CudaException.class, () -> trainer.run(false, new Trainer.Listener() { }));
            assertTrue(failure.getMessage().contains("CUDA_ERROR_LAUNCH_FAILED"), failure.getMessage());
        }
        assertEquals(4, dir.lastLoggedIteration(), "the last evaluation before the failure (step 8 failed)");
        try (LoadedRun run = LoadedRun.load(dir, "last", Backends.select("cpu").backend(), 16)) {
            assertEquals(4, run.iteration(), "model_last holds the last checkpoint, whole");
        }
    }
}
