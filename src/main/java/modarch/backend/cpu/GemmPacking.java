package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.MR;
import static modarch.backend.cpu.GemmKernels.NR;
import static modarch.backend.cpu.GemmKernels.S;
import static modarch.backend.cpu.GemmKernels.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/** Copies blocks of op(A) and op(B) into the layouts the micro-kernels read; transposes are resolved here. */
final class GemmPacking {

    private GemmPacking() {
    }

    /** Floats {@link #packB} writes for kc rows and nc columns. */
    static int packedBSize(int kc, int nc) {
        return kc * ((nc + VL - 1) / VL * VL);
    }

    /**
     * Packs op(B) rows [pc, pc+kc) x columns [jc, jc+nc) into panels of NR columns, the last one narrowed to
     * whole vectors and zero-padded: panel q starts at dstOff + q*kc*NR and holds kc rows of its width
     * ({@link #packedBSize} floats in all). op(B) is (k, n): B is stored (k, n) with row stride ldb, or (n, k)
     * when transB.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc,
                      float[] dst, int dstOff) {
        for (int jr = 0; jr < nc; jr += NR) {
            int w = Math.min(NR, nc - jr);
            int width = (w + VL - 1) / VL * VL;
            int base = dstOff + jr / NR * kc * NR;
            int col = jc + jr;
            if (transB) {
                packTransposed(b, bOff + col * ldb + pc, ldb, kc, w, dst, base, width);
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (pc + p) * ldb + col, d = base + p * width;
                    int jj = 0;
                    for (; jj + VL <= w; jj += VL) FloatVector.fromArray(S, b, src + jj).intoArray(dst, d + jj);
                    for (; jj < w; jj++) dst[d + jj] = b[src + jj];
                }
            }
            if (w < width) {
                for (int p = 0; p < kc; p++) Arrays.fill(dst, base + p * width + w, base + (p + 1) * width, 0f);
            }
        }
    }

    /**
     * dst[base + p*width + j] = b[src + j*ldb + p] for p < kc, j < w: B stored (n, k), one panel. Eight steps of k
     * at a time, so B is read in runs of eight floats while the writes stay in eight panel rows.
     */
    private static void packTransposed(float[] b, int src, int ldb, int kc, int w, float[] dst, int base, int width) {
        int p = 0;
        for (; p + 8 <= kc; p += 8) {
            for (int j = 0; j < w; j++) {
                int s = src + j * ldb + p, d = base + p * width + j;
                dst[d] = b[s];
                dst[d + width] = b[s + 1];
                dst[d + 2 * width] = b[s + 2];
                dst[d + 3 * width] = b[s + 3];
                dst[d + 4 * width] = b[s + 4];
                dst[d + 5 * width] = b[s + 5];
                dst[d + 6 * width] = b[s + 6];
                dst[d + 7 * width] = b[s + 7];
            }
        }
        for (; p < kc; p++) {
            for (int j = 0; j < w; j++) dst[base + p * width + j] = b[src + j * ldb + p];
        }
    }

    /**
     * Packs op(A) rows [i, i+rows) x columns [pc, pc+kc), rows <= MR, as kc columns of MR floats (column p at
     * p*MR; rows past {@code rows} are zero). op(A) is (m, k): A is stored (m, k) with row stride lda, or (k, m)
     * when transA.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i, int rows, int pc, int kc, float[] dst) {
        Arrays.fill(dst, 0, kc * MR, 0f);
        for (int r = 0; r < rows; r++) {
            if (transA) {
                int src = aOff + pc * lda + i + r;
                for (int p = 0; p < kc; p++) dst[p * MR + r] = a[src + p * lda];
            } else {
                int src = aOff + (i + r) * lda + pc;
                for (int p = 0; p < kc; p++) dst[p * MR + r] = a[src + p];
            }
        }
    }
}
