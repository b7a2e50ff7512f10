package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.MR;
import static modarch.backend.cpu.GemmKernels.NR;
import static modarch.backend.cpu.GemmKernels.VL;

/**
 * The blocked loops of one gemm and its split across threads. Each calling thread owns one instance (in its
 * {@link GemmWorkspace}) and reuses it: the call's arguments live in fields, so handing the work to the pool
 * allocates nothing.
 *
 * <p>Blocking, in the GotoBLAS order: k runs in balanced blocks of at most {@link #KC}; for each, op(B) is packed
 * into panels of NR columns (in column blocks of {@link #B_BLOCK} floats, which stay in L2), and each panel
 * (kc, NR), held in L1, meets every MR-row block of op(A), read in place; only a last block of fewer than MR
 * rows is packed. Each k block past the first reads and writes C once more. Threads split C by rows (multiples
 * of MR; measured 5-15% faster than splitting columns, which makes every thread stream all of A), or by whole
 * vectors of columns when there are too few row blocks. When split by rows, op(B) is packed once for the whole
 * call into one shared buffer, its panels split between the threads (one parallel loop), before the threads
 * compute (a second loop); each thread used to pack all of B (measured on two cores, interleaved runs: NT
 * 256x384x512 116 -> 130 GFLOP/s, NT 256x512x384 120 -> 136; NN within the noise). Every element is computed
 * by one thread with the same arithmetic, and the packed values do not depend on who packed them, so results
 * are bit-identical for any thread count.
 */
final class GemmCall implements Parallel.IntRangeBody {

    /** Largest k block: a B panel, KC x NR floats, is 32 KiB of the 48 KiB L1. */
    static final int KC = 128;
    /** Floats of packed B per block: 1 MiB, half the L2 of a Sapphire Rapids core. */
    static final int B_BLOCK = 256 * 1024;
    /** Below this many multiply-adds (m*n*k) a call runs on the calling thread alone. */
    static final long PARALLEL_MIN = 1L << 20;
    /** Most floats of op(B) packed at once into the shared buffer (16 MiB); larger calls pack per thread. */
    static final int SHARED_B_MAX = 4 * 1024 * 1024;

    private boolean transA, transB, accumulate, relu, splitColumns, packing;
    private int m, n, k, aOff, lda, bOff, ldb, cOff, ldc, biasOff, kcStep, ncStep;
    private float[] a, b, c, bias;
    /** op(B) packed for the whole call when the threads share it, else null: k block at pc starts at pc * nPadded. */
    private float[] sharedB;
    private int nPadded;

    /** See {@link modarch.backend.Backend#gemm}. */
    void gemm(Parallel parallel, boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
              boolean accumulate, float[] bias, int biasOff, boolean relu) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            epilogueOnly(m, n, c, cOff, ldc, accumulate, bias, biasOff, relu);
            return;
        }
        if (n == 1) {
            MatVec.gemv(transA, transB, m, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias, biasOff, relu,
                    GemmWorkspace.current());
            return;
        }
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.a = a;
        this.aOff = aOff;
        this.lda = lda;
        this.b = b;
        this.bOff = bOff;
        this.ldb = ldb;
        this.c = c;
        this.cOff = cOff;
        this.ldc = ldc;
        this.accumulate = accumulate;
        this.bias = bias;
        this.biasOff = biasOff;
        this.relu = relu;
        int kBlocks = (k + KC - 1) / KC;
        kcStep = (k + kBlocks - 1) / kBlocks;
        ncStep = Math.max(NR, B_BLOCK / kcStep / NR * NR);
        try {
            int threads = parallel.threads();
            if (threads > 1 && (long) m * n * k >= PARALLEL_MIN) {
                int rowUnits = (m + MR - 1) / MR, colUnits = (n + VL - 1) / VL;
                splitColumns = rowUnits < 2 * threads && colUnits > rowUnits;
                nPadded = (n + VL - 1) / VL * VL;
                if (!splitColumns && (long) k * nPadded <= SHARED_B_MAX) {
                    sharedB = GemmWorkspace.current().sharedB(k * nPadded);
                    packing = true;
                    parallel.parallelFor((n + NR - 1) / NR, this);
                    packing = false;
                }
                parallel.parallelFor(splitColumns ? colUnits : rowUnits, this);
            } else {
                block(0, m, 0, n, GemmWorkspace.current());
            }
        } finally {
            this.a = this.b = this.c = this.bias = this.sharedB = null;
            packing = false;
        }
    }

    /** One thread's share: B panels [from, to) of NR columns to pack, or vectors of columns, or MR-row blocks. */
    @Override
    public void run(int from, int to) {
        if (packing) {
            packShared(from * NR, Math.min(n, to * NR));
            return;
        }
        GemmWorkspace ws = GemmWorkspace.current();
        if (splitColumns) block(0, m, from * VL, Math.min(n, to * VL), ws);
        else block(from * MR, Math.min(m, to * MR), 0, n, ws);
    }

    /** Packs op(B) columns [j0, j1) (j0 a multiple of NR) of every k block into sharedB. */
    private void packShared(int j0, int j1) {
        for (int pc = 0; pc < k; pc += kcStep) {
            int kc = Math.min(kcStep, k - pc);
            GemmPacking.packB(transB, b, bOff, ldb, pc, kc, j0, j1 - j0, sharedB, pc * nPadded + j0 / NR * kc * NR);
        }
    }

    /** C rows [i0, i1) x columns [j0, j1). */
    private void block(int i0, int i1, int j0, int j1, GemmWorkspace ws) {
        if (i0 >= i1 || j0 >= j1) return;
        float[] tile = ws.tile;
        int fullRows = i0 + (i1 - i0) / MR * MR;
        for (int pc = 0; pc < k; pc += kcStep) {
            int kc = Math.min(kcStep, k - pc);
            boolean addC = accumulate || pc > 0;
            boolean last = pc + kc == k;
            float[] blockBias = last ? bias : null;
            boolean blockRelu = last && relu;
            // fewer than MR last rows: packed, zeros below, so the MR-row kernels serve them too
            float[] tailA = null;
            if (fullRows < i1) {
                tailA = ws.packedA(kc);
                GemmPacking.packA(transA, a, aOff, lda, fullRows, i1 - fullRows, pc, kc, tailA);
            }
            for (int jc = j0; jc < j1; jc += ncStep) {
                int nc = Math.min(ncStep, j1 - jc);
                float[] packedB;
                int pb;
                if (sharedB != null) {
                    // packed for the whole call; jc is a multiple of NR (j0 = 0, ncStep a multiple of NR)
                    packedB = sharedB;
                    pb = pc * nPadded + jc / NR * kc * NR;
                } else {
                    packedB = ws.packedB(GemmPacking.packedBSize(kc, nc));
                    pb = 0;
                    GemmPacking.packB(transB, b, bOff, ldb, pc, kc, jc, nc, packedB, 0);
                }
                // each B panel (kc, NR) stays in L1 while it meets every MR-row block of A, read in place
                for (int jr = 0; jr < nc; jr += NR) {
                    int w = Math.min(NR, nc - jr);
                    int v = (w + VL - 1) / VL;
                    int bi = pb + jr / NR * kc * NR;
                    int ci = cOff + jc + jr, bj = biasOff + jc + jr;
                    for (int i = i0; i < fullRows; i += MR) {
                        if (transA) GemmKernels.colsA(v, kc, a, aOff + pc * lda + i, lda, packedB, bi, tile);
                        else GemmKernels.rowsA(v, kc, a, aOff + i * lda + pc, lda, packedB, bi, tile);
                        GemmKernels.epilogue(tile, v * VL, MR, w, c, ci + i * ldc, ldc, addC, blockBias, bj, blockRelu);
                    }
                    if (tailA != null) {
                        GemmKernels.colsA(v, kc, tailA, 0, MR, packedB, bi, tile);
                        GemmKernels.epilogue(tile, v * VL, i1 - fullRows, w, c, ci + fullRows * ldc, ldc,
                                addC, blockBias, bj, blockRelu);
                    }
                }
            }
        }
    }

    /** k = 0: C = act((accumulate ? C : 0) + bias). */
    private static void epilogueOnly(int m, int n, float[] c, int cOff, int ldc,
                                     boolean accumulate, float[] bias, int biasOff, boolean relu) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float out = (accumulate ? c[row + j] : 0f) + (bias == null ? 0f : bias[biasOff + j]);
                c[row + j] = relu && out < 0f ? 0f : out;
            }
        }
    }
}
