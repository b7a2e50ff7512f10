package modarch.backend.cuda;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.Precision;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.TensorCoreGemm;

/** The tensor-core kernels as ops for the contract tests: each launch beside its Java reference. */
final class TensorCoreOps {
    private TensorCoreOps() {
    }

    /** gemm at precision (TensorCoreGemm's code): gemm_tf32 on the device, Gemm's reference at that precision. */
    record Tf32Gemm(Gemm gemm, int precision) implements Op {
        @Override
        public void reference(Parallel pool) {
            gemm.precision(precision == TensorCoreGemm.TF32 ? Precision.TF32 : Precision.TF32X3).reference(pool);
        }

        @Override
        public void launch(Gpu gpu) {
            TensorCoreGemm.launch(gpu, gemm, precision);
        }
    }

    /**
     * One m16n8k8 TF32 mma of emu_selftest.cu's selftest_mma: d (16, 8) = c (16, 8) + tf32(a) (16, 8) . tf32(b) (8, 8),
     * each element of d summed from its c in p order.
     */
    record Mma(Mat a, Mat b, Mat c, Mat d) implements Op {
        @Override
        public void reference(Parallel pool) {
            float[] a = Host.floats(this.a), b = Host.floats(this.b), c = Host.floats(this.c), d = Host.floats(this.d);
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 8; j++) {
                    float acc = c[this.c.off() + i * 8 + j];
                    for (int p = 0; p < 8; p++) {
                        acc += Precision.tf32(a[this.a.off() + i * 8 + p]) * Precision.tf32(b[this.b.off() + p * 8 + j]);
                    }
                    d[this.d.off() + i * 8 + j] = acc;
                }
            }
        }

        @Override
        public void launch(Gpu gpu) {
            gpu.launch("selftest_mma", 1, 1, 1, 32, 0,
                    KernelArgs.of().ptr(gpu.at(a)).ptr(gpu.at(b)).ptr(gpu.at(c)).ptr(gpu.at(d)));
        }
    }
}
