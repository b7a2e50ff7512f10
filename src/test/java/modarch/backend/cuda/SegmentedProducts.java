package modarch.backend.cuda;

import static modarch.backend.cuda.KernelAgreement.gaussian;

import java.util.SplittableRandom;
import modarch.backend.Backend;
import modarch.backend.Precision;
import modarch.backend.ops.GemmSegmented;
import modarch.backend.ops.GemmSegmentedWeightGrad;

/**
 * The segmented products' agreement cases, shared by the FP32 kernels' tests ({@link CudaBackendContract}) and the
 * tensor-core kernels' ({@link TensorCoreGemmContract}): for each (rep, R, rows, k, n, kdim), the product with both
 * storages of w, with bias and ReLU or without (each a margin after its view, w and the bias at offsets and padded
 * strides of their own), and its weight gradient onto random values, with the bias gradient or without. Modules 1
 * and R - 1 get no rows where the shape leaves enough others.
 */
final class SegmentedProducts {
    /** How a device's result must agree with the reference's: {@link KernelAgreement#check} or its exact twin. */
    @FunctionalInterface
    interface Agreement {
        void agree(String what, Backend device, float[][] floats, int[][] ints, KernelAgreement.Op op);
    }

    private SegmentedProducts() {
    }

    /**
     * Every case on device in precision. aligned: w's items, and its rows, 16 bytes apart (the tensor cores' 16-byte
     * copies where a shape's kdim and n are multiples of 4 too); else odd offsets and strides.
     */
    static void agreeOn(Backend device, Precision precision, boolean aligned, Agreement agreement, int[]... shapes) {
        SplittableRandom rnd = new SplittableRandom(13);
        for (int[] shape : shapes) {
            int rep = shape[0], modules = shape[1], rows = shape[2], k = shape[3], n = shape[4], kdim = shape[5];
            int slots = rows * k;
            int[] starts = CudaBackendContract.referenceDispatch(rep, rows, modules, k,
                    CudaBackendContract.chosenModules(rnd, rep, rows, modules, k, 1, modules - 1))[1];
            int[][] ints = {CudaBackendContract.withMargin(rnd, starts, 2)};
            String what = " " + precision + " rep " + rep + " R " + modules + " slots " + slots + " n " + n + " kdim "
                    + kdim + (aligned ? " aligned" : "");
            for (boolean transW : new boolean[] {false, true}) {
                for (boolean epilogue : new boolean[] {false, true}) {
                    int cols = transW ? kdim : n, wOff = aligned ? 4 : 1;
                    int ldw = aligned ? (cols + 3) / 4 * 4 : cols + 1;
                    int wModule = (transW ? n : kdim) * ldw + (aligned ? 4 : 2), wRep = modules * wModule + (aligned ? 4 : 3);
                    int biasModule = n + 1, biasRep = modules * biasModule + 2;
                    float[][] f = {gaussian(rnd, rep * slots * kdim + 2), gaussian(rnd, wOff + rep * wRep + 2),
                        gaussian(rnd, rep * slots * n + 3), gaussian(rnd, 2 + rep * biasRep + 1)};
                    agreement.agree("gemmSegmented" + what + (transW ? " transW" : "") + (epilogue ? " bias relu" : ""),
                            device, f, ints, (be, b, i) -> be.run(new GemmSegmented(rep, modules, i[0], slots, transW, n,
                                    kdim, b[0], b[1], wOff, ldw, wModule, wRep, b[2], epilogue ? b[3] : null, 2,
                                    biasModule, biasRep, epilogue, precision)));
                }
            }
            for (boolean withBias : new boolean[] {false, true}) {
                int ldw = n + 2, wModule = kdim * ldw + 1, wRep = modules * wModule + 2;
                int biasModule = n + 3, biasRep = modules * biasModule + 1;
                float[][] f = {gaussian(rnd, rep * slots * kdim + 2), gaussian(rnd, rep * slots * n + 2),
                    gaussian(rnd, 3 + rep * wRep + 2), gaussian(rnd, 1 + rep * biasRep + 2)};
                agreement.agree("gemmSegmentedWeightGrad" + what + (withBias ? " +bias" : ""), device, f, ints,
                        (be, b, i) -> be.run(new GemmSegmentedWeightGrad(rep, modules, i[0], slots, n, kdim, b[0], b[1],
                                b[2], 3, ldw, wModule, wRep, withBias ? b[3] : null, 1, biasModule, biasRep, precision)));
            }
        }
    }
}
