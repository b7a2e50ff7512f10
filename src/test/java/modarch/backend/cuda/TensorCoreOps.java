package modarch.backend.cuda;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.Precision;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;

/** The tensor-core instruction as an op for the contract tests: its launch beside its Java reference. */
final class TensorCoreOps {
    private TensorCoreOps() {
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
