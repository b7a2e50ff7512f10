package modarch.backend.cuda;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.Tf32Reference;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.TensorCoreGemm;

/** The tensor-core kernels as ops for the contract tests: each launch beside its Java reference. */
final class TensorCoreOps {
    private TensorCoreOps() {
    }

    /** gemm at precision: gemm_tf32 on the device, {@link Tf32Reference} on the CPU. */
    record Tf32Gemm(Gemm gemm, int precision) implements Op {
        @Override
        public void reference(Parallel pool) {
            float[] a = Host.floats(gemm.a()), b = Host.floats(gemm.b()), c = Host.floats(gemm.c());
            float[] bias = Host.floats(gemm.bias());
            Gemm.Groups groups = gemm.groups();
            for (int g = 0; g < groups.count(); g++) {
                for (int item = 0; item < gemm.c().batch(); item++) {
                    Tf32Reference.item(precision, gemm.transA(), gemm.transB(), gemm.m(), gemm.n(), gemm.k(), a,
                            gemm.a().start(g, groups.strideA(), item), gemm.a().ld(), b,
                            gemm.b().start(g, groups.strideB(), item), gemm.b().ld(), c,
                            gemm.c().start(g, groups.strideC(), item), gemm.c().ld(), gemm.accumulate(), bias,
                            bias == null ? 0 : gemm.bias().start(g, groups.strideBias(), item), gemm.relu());
                }
            }
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
                        acc += Tf32Reference.round(a[this.a.off() + i * 8 + p])
                                * Tf32Reference.round(b[this.b.off() + p * 8 + j]);
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
