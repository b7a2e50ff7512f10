package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import modarch.backend.Precision;
import modarch.backend.cuda.emu.AsanReplay;
import modarch.backend.cuda.emu.EmulatedDriver;
import modarch.backend.cuda.emu.Schedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kernel of the CUDA backend on the small, odd shapes of {@link CudaBackendContract}, recorded on the emulated
 * device and replayed natively under AddressSanitizer with allocations of exactly the recorded sizes: an
 * out-of-bounds access, silent inside the JVM, fails the replay with the .cu line.
 */
class AsanKernelsTest {

    @Test
    void everyKernelReplaysCleanUnderAddressSanitizer(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("kernels.trace");
        EmulatedDriver driver = new EmulatedDriver(Schedule.FORWARD);
        CudaBackendContract ops = new CudaBackendContract() {
            @Override
            CudaBackend open() {
                return new CudaBackend(driver, "cuda-emulated");
            }
        };
        TensorCoreGemmContract tensorCores = new TensorCoreGemmContract() {
            @Override
            CudaBackend open() {
                return (CudaBackend) ops.device(); // the same backend and trace; ops closes it
            }

            @Override
            boolean fixedOrder() {
                return true;
            }
        };
        TiledGemmContract tiled = new TiledGemmContract() {
            @Override
            CudaBackend open() {
                return (CudaBackend) ops.device();
            }
        };
        ColumnSumGemmContract columnSums = new ColumnSumGemmContract() {
            @Override
            CudaBackend open() {
                return (CudaBackend) ops.device();
            }
        };
        GemmsContract gemms = new GemmsContract() {
            @Override
            CudaBackend open() {
                return (CudaBackend) ops.device();
            }
        };
        ops.openDevice();
        tensorCores.openDevice();
        tiled.openDevice();
        columnSums.openDevice();
        gemms.openDevice();
        try {
            driver.startTrace(trace);
            ops.gemmEveryTransposeEpilogueAndBatching();
            ops.groupedOps();
            ops.elementwiseOps();
            ops.lossesAndCounts();
            ops.adamStepsAndItsCounter();
            ops.adamsCounterCarriesIntoTheHighWord();
            ops.gradientNormClipping();
            ops.mlpBatchesAreTheCpuBatches();
            ops.mhaBatchesAreTheCpuBatches();
            ops.rnnBatchesAreTheCpuBatches();
            ops.attentionAgreesAtLengths(1, 3, 33); // keys in two rounds of 32; longer ones are slow under ASan
            ops.lstmCellAgreesWithTheReference();
            ops.lstmWindowAgreesWithTheReference();
            ops.moduleMlpAgreesWithTheReference();
            ops.routerRegularizersAgreeOn(new int[] {3, 5, 3}, new int[] {1, 40, 33}); // R = 64 on 1000 rows is slow under ASan
            ops.routingTopKAgreesOn(new int[] {7, 5, 1}, new int[] {9, 40, 39}, new int[] {4, 64, 7});
            ops.slotDispatchAgreesOn(new int[] {3, 11, 6, 2, 3}, new int[] {2, 9, 5, 5, 33}, new int[] {1, 37, 40, 3, 5},
                    new int[] {1, 5, 3, 2, 0});
            ops.segmentedProductsAgreeOn(new int[] {2, 3, 100, 2, 70, 33}, new int[] {1, 6, 50, 6, 17, 70},
                    new int[] {2, 5, 40, 2, 9, 0});
            tensorCores.gemmAgreesOn(new int[][] {{3, 17, 33}, {65, 1, 17}, {17, 33, 0}});
            tensorCores.groupedProducts();
            tensorCores.segmentedAgreeOn(new int[][] {{2, 3, 100, 2, 70, 33}, {2, 5, 40, 2, 9, 0}},
                    new int[][] {{1, 4, 30, 2, 4, 8}});
            tiled.productsAgreeOn(new int[][] {{129, 1025, 9}, {130, 67, 17}, {128, 128, 16}, {100, 70, 0}});
            columnSums.sumsAgreeOn(new Object[][] {{33, 20, 70, Precision.values()}, {130, 67, 17,
                new Precision[] {Precision.FP32}}, {70, 1, 45, new Precision[] {Precision.TF32}}});
            gemms.eachProductHasTheBitsOfItsOwnLaunch();
            driver.stopTrace();
        } finally {
            ops.closeDevice();
        }
        Set<String> launched = new TreeSet<>();
        Matcher launch = Pattern.compile("(?m)^launch (\\w+) ").matcher(Files.readString(trace));
        while (launch.find()) launched.add(launch.group(1));
        Set<String> all = new TreeSet<>(KernelSources.kernels());
        all.removeAll(launched);
        assertTrue(all.isEmpty(), "kernels the trace never launched: " + all);
        AsanReplay.Result replay = AsanReplay.run(trace);
        assertEquals(0, replay.exitCode(), replay.output());
    }
}
