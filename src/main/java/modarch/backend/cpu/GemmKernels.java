package modarch.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked sgemm micro-kernels and the fused epilogue.
 *
 * <p>A kernel computes one tile of MR=6 rows by V vectors (V in 1..4) of op(A)*op(B) over kc steps of k,
 * keeping the 6*V accumulators in registers: per step it loads V vectors of a packed B panel, broadcasts the
 * six A values and issues 6*V FMAs. It writes the tile, row-major with row stride V*VL, to a small buffer;
 * {@link #epilogue} then reads and writes that part of C once (accumulate, bias, ReLU, partial rows and
 * columns).
 * Writing the tile instead of fusing the epilogue into the kernel keeps each kernel small enough for C2 to
 * inline all its Vector API calls (with the fused stores it hits NodeCountInliningCutoff and boxes).
 *
 * <p>Two families differ only in how the six A values of step p are addressed: {@code rowsA} reads six rows
 * of a row-major A (op(A) untransposed, read in place); {@code colsA} reads six consecutive floats per step
 * (a transposed A read in place, or a packed A panel). Each tile element is one FMA chain over p in order,
 * starting from zero, whatever the kernel, so results do not depend on how C is cut into tiles or threads.
 * The one-vector kernels take four steps of k per loop iteration (same operations in the same order) to spread
 * the loop's index arithmetic over more FMAs; unrolling the wider ones measured slower.
 */
final class GemmKernels {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    /** Rows of C per tile. */
    static final int MR = 6;
    /** Vectors per tile at most: 6x4 accumulators fill 24 of the 32 AVX-512 registers; AVX2 has 16, so 6x2 there. */
    static final int MAX_V = S.vectorBitSize() >= 512 ? 4 : 2;
    /** Columns of C per full tile, and the width of a full packed B panel. */
    static final int NR = MAX_V * VL;

    private GemmKernels() {
    }

    /** tile (6, v*VL) = A (6, kc) * B panel (kc, v*VL), A row r at ai + r*lda. */
    static void rowsA(int v, int kc, float[] a, int ai, int lda, float[] b, int bi, float[] tile) {
        switch (v) {
            case 1 -> rowsA6x1(kc, a, ai, lda, b, bi, tile);
            case 2 -> rowsA6x2(kc, a, ai, lda, b, bi, tile);
            case 3 -> rowsA6x3(kc, a, ai, lda, b, bi, tile);
            default -> rowsA6x4(kc, a, ai, lda, b, bi, tile);
        }
    }

    /** tile (6, v*VL) = A (6, kc) * B panel (kc, v*VL), A column p (6 floats) at ai + p*acs. */
    static void colsA(int v, int kc, float[] a, int ai, int acs, float[] b, int bi, float[] tile) {
        switch (v) {
            case 1 -> colsA6x1(kc, a, ai, acs, b, bi, tile);
            case 2 -> colsA6x2(kc, a, ai, acs, b, bi, tile);
            case 3 -> colsA6x3(kc, a, ai, acs, b, bi, tile);
            default -> colsA6x4(kc, a, ai, acs, b, bi, tile);
        }
    }

    /**
     * C = act((addC ? C : 0) + tile + bias) on rows x cols of C at ci with row stride ldc; tile has row stride
     * ldt; bias (cols) at biasIdx is skipped when null. Same operation order as the scalar reference.
     */
    static void epilogue(float[] tile, int ldt, int rows, int cols, float[] c, int ci, int ldc,
                         boolean addC, float[] bias, int biasIdx, boolean relu) {
        int vecCols = cols - cols % VL;
        for (int r = 0; r < rows; r++) {
            int t = r * ldt, o = ci + r * ldc;
            int j = 0;
            for (; j < vecCols; j += VL) {
                FloatVector out = FloatVector.fromArray(S, tile, t + j);
                if (addC) out = FloatVector.fromArray(S, c, o + j).add(out);
                if (bias != null) out = out.add(FloatVector.fromArray(S, bias, biasIdx + j));
                if (relu) out = out.blend(0f, out.compare(VectorOperators.LT, 0f));
                out.intoArray(c, o + j);
            }
            for (; j < cols; j++) {
                float out = (addC ? c[o + j] : 0f) + tile[t + j] + (bias == null ? 0f : bias[biasIdx + j]);
                c[o + j] = relu && out < 0f ? 0f : out;
            }
        }
    }

    /** tile (6, VL) = A (6, kc) * B panel (kc, VL); A row r starts at ai + r*lda, B panel row p at bi + p*VL. */
    static void rowsA6x1(int kc, float[] a, int ai, int lda, float[] b, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
            int bp0 = bi + p * VL;
            FloatVector b00 = FloatVector.fromArray(S, b, bp0);
            FloatVector x00 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x00.fma(b00, c00);
            FloatVector x01 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x01.fma(b00, c10);
            FloatVector x02 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x02.fma(b00, c20);
            FloatVector x03 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x03.fma(b00, c30);
            FloatVector x04 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x04.fma(b00, c40);
            FloatVector x05 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x05.fma(b00, c50);
            int bp1 = bi + (p + 1) * VL;
            FloatVector b10 = FloatVector.fromArray(S, b, bp1);
            FloatVector x10 = FloatVector.broadcast(S, a[a0 + p + 1]);
            c00 = x10.fma(b10, c00);
            FloatVector x11 = FloatVector.broadcast(S, a[a1 + p + 1]);
            c10 = x11.fma(b10, c10);
            FloatVector x12 = FloatVector.broadcast(S, a[a2 + p + 1]);
            c20 = x12.fma(b10, c20);
            FloatVector x13 = FloatVector.broadcast(S, a[a3 + p + 1]);
            c30 = x13.fma(b10, c30);
            FloatVector x14 = FloatVector.broadcast(S, a[a4 + p + 1]);
            c40 = x14.fma(b10, c40);
            FloatVector x15 = FloatVector.broadcast(S, a[a5 + p + 1]);
            c50 = x15.fma(b10, c50);
            int bp2 = bi + (p + 2) * VL;
            FloatVector b20 = FloatVector.fromArray(S, b, bp2);
            FloatVector x20 = FloatVector.broadcast(S, a[a0 + p + 2]);
            c00 = x20.fma(b20, c00);
            FloatVector x21 = FloatVector.broadcast(S, a[a1 + p + 2]);
            c10 = x21.fma(b20, c10);
            FloatVector x22 = FloatVector.broadcast(S, a[a2 + p + 2]);
            c20 = x22.fma(b20, c20);
            FloatVector x23 = FloatVector.broadcast(S, a[a3 + p + 2]);
            c30 = x23.fma(b20, c30);
            FloatVector x24 = FloatVector.broadcast(S, a[a4 + p + 2]);
            c40 = x24.fma(b20, c40);
            FloatVector x25 = FloatVector.broadcast(S, a[a5 + p + 2]);
            c50 = x25.fma(b20, c50);
            int bp3 = bi + (p + 3) * VL;
            FloatVector b30 = FloatVector.fromArray(S, b, bp3);
            FloatVector x30 = FloatVector.broadcast(S, a[a0 + p + 3]);
            c00 = x30.fma(b30, c00);
            FloatVector x31 = FloatVector.broadcast(S, a[a1 + p + 3]);
            c10 = x31.fma(b30, c10);
            FloatVector x32 = FloatVector.broadcast(S, a[a2 + p + 3]);
            c20 = x32.fma(b30, c20);
            FloatVector x33 = FloatVector.broadcast(S, a[a3 + p + 3]);
            c30 = x33.fma(b30, c30);
            FloatVector x34 = FloatVector.broadcast(S, a[a4 + p + 3]);
            c40 = x34.fma(b30, c40);
            FloatVector x35 = FloatVector.broadcast(S, a[a5 + p + 3]);
            c50 = x35.fma(b30, c50);
        }
        for (; p < kc; p++) {
            int bp0 = bi + p * VL;
            FloatVector b00 = FloatVector.fromArray(S, b, bp0);
            FloatVector x00 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x00.fma(b00, c00);
            FloatVector x01 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x01.fma(b00, c10);
            FloatVector x02 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x02.fma(b00, c20);
            FloatVector x03 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x03.fma(b00, c30);
            FloatVector x04 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x04.fma(b00, c40);
            FloatVector x05 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x05.fma(b00, c50);
        }
        c00.intoArray(tile, 0);
        c10.intoArray(tile, VL);
        c20.intoArray(tile, 2 * VL);
        c30.intoArray(tile, 3 * VL);
        c40.intoArray(tile, 4 * VL);
        c50.intoArray(tile, 5 * VL);
    }

    /** tile (6, 2*VL) = A (6, kc) * B panel (kc, 2*VL); A row r starts at ai + r*lda, B panel row p at bi + p*2*VL. */
    static void rowsA6x2(int kc, float[] a, int ai, int lda, float[] b, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        for (int p = 0; p < kc; p++) {
            int bp = bi + p * 2 * VL;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, VL);
        c10.intoArray(tile, 2 * VL); c11.intoArray(tile, 3 * VL);
        c20.intoArray(tile, 4 * VL); c21.intoArray(tile, 5 * VL);
        c30.intoArray(tile, 6 * VL); c31.intoArray(tile, 7 * VL);
        c40.intoArray(tile, 8 * VL); c41.intoArray(tile, 9 * VL);
        c50.intoArray(tile, 10 * VL); c51.intoArray(tile, 11 * VL);
    }

    /** tile (6, 3*VL) = A (6, kc) * B panel (kc, 3*VL); A row r starts at ai + r*lda, B panel row p at bi + p*3*VL. */
    static void rowsA6x3(int kc, float[] a, int ai, int lda, float[] b, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        for (int p = 0; p < kc; p++) {
            int bp = bi + p * 3 * VL;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41); c42 = x4.fma(b2, c42);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51); c52 = x5.fma(b2, c52);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, VL); c02.intoArray(tile, 2 * VL);
        c10.intoArray(tile, 3 * VL); c11.intoArray(tile, 4 * VL); c12.intoArray(tile, 5 * VL);
        c20.intoArray(tile, 6 * VL); c21.intoArray(tile, 7 * VL); c22.intoArray(tile, 8 * VL);
        c30.intoArray(tile, 9 * VL); c31.intoArray(tile, 10 * VL); c32.intoArray(tile, 11 * VL);
        c40.intoArray(tile, 12 * VL); c41.intoArray(tile, 13 * VL); c42.intoArray(tile, 14 * VL);
        c50.intoArray(tile, 15 * VL); c51.intoArray(tile, 16 * VL); c52.intoArray(tile, 17 * VL);
    }

    /** tile (6, 4*VL) = A (6, kc) * B panel (kc, 4*VL); A row r starts at ai + r*lda, B panel row p at bi + p*4*VL. */
    static void rowsA6x4(int kc, float[] a, int ai, int lda, float[] b, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S), c43 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S), c53 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        for (int p = 0; p < kc; p++) {
            int bp = bi + p * 4 * VL;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12); c13 = x1.fma(b3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22); c23 = x2.fma(b3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32); c33 = x3.fma(b3, c33);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41); c42 = x4.fma(b2, c42); c43 = x4.fma(b3, c43);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51); c52 = x5.fma(b2, c52); c53 = x5.fma(b3, c53);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, VL); c02.intoArray(tile, 2 * VL); c03.intoArray(tile, 3 * VL);
        c10.intoArray(tile, 4 * VL); c11.intoArray(tile, 5 * VL); c12.intoArray(tile, 6 * VL); c13.intoArray(tile, 7 * VL);
        c20.intoArray(tile, 8 * VL); c21.intoArray(tile, 9 * VL); c22.intoArray(tile, 10 * VL); c23.intoArray(tile, 11 * VL);
        c30.intoArray(tile, 12 * VL); c31.intoArray(tile, 13 * VL); c32.intoArray(tile, 14 * VL); c33.intoArray(tile, 15 * VL);
        c40.intoArray(tile, 16 * VL); c41.intoArray(tile, 17 * VL); c42.intoArray(tile, 18 * VL); c43.intoArray(tile, 19 * VL);
        c50.intoArray(tile, 20 * VL); c51.intoArray(tile, 21 * VL); c52.intoArray(tile, 22 * VL); c53.intoArray(tile, 23 * VL);
    }

    /** tile (6, VL) = A (6, kc) * B panel (kc, VL); A column p starts at ai + p*acs (6 floats), B panel row p at bi + p*VL. */
    static void colsA6x1(int kc, float[] a, int ai, int acs, float[] b, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
            int bp0 = bi + p * VL;
            int ap0 = ai + p * acs;
            FloatVector b00 = FloatVector.fromArray(S, b, bp0);
            FloatVector x00 = FloatVector.broadcast(S, a[ap0]);
            c00 = x00.fma(b00, c00);
            FloatVector x01 = FloatVector.broadcast(S, a[ap0 + 1]);
            c10 = x01.fma(b00, c10);
            FloatVector x02 = FloatVector.broadcast(S, a[ap0 + 2]);
            c20 = x02.fma(b00, c20);
            FloatVector x03 = FloatVector.broadcast(S, a[ap0 + 3]);
            c30 = x03.fma(b00, c30);
            FloatVector x04 = FloatVector.broadcast(S, a[ap0 + 4]);
            c40 = x04.fma(b00, c40);
            FloatVector x05 = FloatVector.broadcast(S, a[ap0 + 5]);
            c50 = x05.fma(b00, c50);
            int bp1 = bi + (p + 1) * VL;
            int ap1 = ai + (p + 1) * acs;
            FloatVector b10 = FloatVector.fromArray(S, b, bp1);
            FloatVector x10 = FloatVector.broadcast(S, a[ap1]);
            c00 = x10.fma(b10, c00);
            FloatVector x11 = FloatVector.broadcast(S, a[ap1 + 1]);
            c10 = x11.fma(b10, c10);
            FloatVector x12 = FloatVector.broadcast(S, a[ap1 + 2]);
            c20 = x12.fma(b10, c20);
            FloatVector x13 = FloatVector.broadcast(S, a[ap1 + 3]);
            c30 = x13.fma(b10, c30);
            FloatVector x14 = FloatVector.broadcast(S, a[ap1 + 4]);
            c40 = x14.fma(b10, c40);
            FloatVector x15 = FloatVector.broadcast(S, a[ap1 + 5]);
            c50 = x15.fma(b10, c50);
            int bp2 = bi + (p + 2) * VL;
            int ap2 = ai + (p + 2) * acs;
            FloatVector b20 = FloatVector.fromArray(S, b, bp2);
            FloatVector x20 = FloatVector.broadcast(S, a[ap2]);
            c00 = x20.fma(b20, c00);
            FloatVector x21 = FloatVector.broadcast(S, a[ap2 + 1]);
            c10 = x21.fma(b20, c10);
            FloatVector x22 = FloatVector.broadcast(S, a[ap2 + 2]);
            c20 = x22.fma(b20, c20);
            FloatVector x23 = FloatVector.broadcast(S, a[ap2 + 3]);
            c30 = x23.fma(b20, c30);
            FloatVector x24 = FloatVector.broadcast(S, a[ap2 + 4]);
            c40 = x24.fma(b20, c40);
            FloatVector x25 = FloatVector.broadcast(S, a[ap2 + 5]);
            c50 = x25.fma(b20, c50);
            int bp3 = bi + (p + 3) * VL;
            int ap3 = ai + (p + 3) * acs;
            FloatVector b30 = FloatVector.fromArray(S, b, bp3);
            FloatVector x30 = FloatVector.broadcast(S, a[ap3]);
            c00 = x30.fma(b30, c00);
            FloatVector x31 = FloatVector.broadcast(S, a[ap3 + 1]);
            c10 = x31.fma(b30, c10);
            FloatVector x32 = FloatVector.broadcast(S, a[ap3 + 2]);
            c20 = x32.fma(b30, c20);
            FloatVector x33 = FloatVector.broadcast(S, a[ap3 + 3]);
            c30 = x33.fma(b30, c30);
            FloatVector x34 = FloatVector.broadcast(S, a[ap3 + 4]);
            c40 = x34.fma(b30, c40);
            FloatVector x35 = FloatVector.broadcast(S, a[ap3 + 5]);
            c50 = x35.fma(b30, c50);
        }
        for (; p < kc; p++) {
            int bp0 = bi + p * VL;
            int ap0 = ai + p * acs;
            FloatVector b00 = FloatVector.fromArray(S, b, bp0);
            FloatVector x00 = FloatVector.broadcast(S, a[ap0]);
            c00 = x00.fma(b00, c00);
            FloatVector x01 = FloatVector.broadcast(S, a[ap0 + 1]);
            c10 = x01.fma(b00, c10);
            FloatVector x02 = FloatVector.broadcast(S, a[ap0 + 2]);
            c20 = x02.fma(b00, c20);
            FloatVector x03 = FloatVector.broadcast(S, a[ap0 + 3]);
            c30 = x03.fma(b00, c30);
            FloatVector x04 = FloatVector.broadcast(S, a[ap0 + 4]);
            c40 = x04.fma(b00, c40);
            FloatVector x05 = FloatVector.broadcast(S, a[ap0 + 5]);
            c50 = x05.fma(b00, c50);
        }
        c00.intoArray(tile, 0);
        c10.intoArray(tile, VL);
        c20.intoArray(tile, 2 * VL);
        c30.intoArray(tile, 3 * VL);
        c40.intoArray(tile, 4 * VL);
        c50.intoArray(tile, 5 * VL);
    }

    /** tile (6, 2*VL) = A (6, kc) * B panel (kc, 2*VL); A column p starts at ai + p*acs (6 floats), B panel row p at bi + p*2*VL. */
    static void colsA6x2(int kc, float[] a, int ai, int acs, float[] b, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bp = bi + p * 2 * VL;
            int ap = ai + p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector x0 = FloatVector.broadcast(S, a[ap]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, VL);
        c10.intoArray(tile, 2 * VL); c11.intoArray(tile, 3 * VL);
        c20.intoArray(tile, 4 * VL); c21.intoArray(tile, 5 * VL);
        c30.intoArray(tile, 6 * VL); c31.intoArray(tile, 7 * VL);
        c40.intoArray(tile, 8 * VL); c41.intoArray(tile, 9 * VL);
        c50.intoArray(tile, 10 * VL); c51.intoArray(tile, 11 * VL);
    }

    /** tile (6, 3*VL) = A (6, kc) * B panel (kc, 3*VL); A column p starts at ai + p*acs (6 floats), B panel row p at bi + p*3*VL. */
    static void colsA6x3(int kc, float[] a, int ai, int acs, float[] b, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bp = bi + p * 3 * VL;
            int ap = ai + p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector x0 = FloatVector.broadcast(S, a[ap]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02);
            FloatVector x1 = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12);
            FloatVector x2 = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22);
            FloatVector x3 = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32);
            FloatVector x4 = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41); c42 = x4.fma(b2, c42);
            FloatVector x5 = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51); c52 = x5.fma(b2, c52);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, VL); c02.intoArray(tile, 2 * VL);
        c10.intoArray(tile, 3 * VL); c11.intoArray(tile, 4 * VL); c12.intoArray(tile, 5 * VL);
        c20.intoArray(tile, 6 * VL); c21.intoArray(tile, 7 * VL); c22.intoArray(tile, 8 * VL);
        c30.intoArray(tile, 9 * VL); c31.intoArray(tile, 10 * VL); c32.intoArray(tile, 11 * VL);
        c40.intoArray(tile, 12 * VL); c41.intoArray(tile, 13 * VL); c42.intoArray(tile, 14 * VL);
        c50.intoArray(tile, 15 * VL); c51.intoArray(tile, 16 * VL); c52.intoArray(tile, 17 * VL);
    }

    /** tile (6, 4*VL) = A (6, kc) * B panel (kc, 4*VL); A column p starts at ai + p*acs (6 floats), B panel row p at bi + p*4*VL. */
    static void colsA6x4(int kc, float[] a, int ai, int acs, float[] b, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S), c43 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S), c53 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bp = bi + p * 4 * VL;
            int ap = ai + p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x0 = FloatVector.broadcast(S, a[ap]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12); c13 = x1.fma(b3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22); c23 = x2.fma(b3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32); c33 = x3.fma(b3, c33);
            FloatVector x4 = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41); c42 = x4.fma(b2, c42); c43 = x4.fma(b3, c43);
            FloatVector x5 = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51); c52 = x5.fma(b2, c52); c53 = x5.fma(b3, c53);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, VL); c02.intoArray(tile, 2 * VL); c03.intoArray(tile, 3 * VL);
        c10.intoArray(tile, 4 * VL); c11.intoArray(tile, 5 * VL); c12.intoArray(tile, 6 * VL); c13.intoArray(tile, 7 * VL);
        c20.intoArray(tile, 8 * VL); c21.intoArray(tile, 9 * VL); c22.intoArray(tile, 10 * VL); c23.intoArray(tile, 11 * VL);
        c30.intoArray(tile, 12 * VL); c31.intoArray(tile, 13 * VL); c32.intoArray(tile, 14 * VL); c33.intoArray(tile, 15 * VL);
        c40.intoArray(tile, 16 * VL); c41.intoArray(tile, 17 * VL); c42.intoArray(tile, 18 * VL); c43.intoArray(tile, 19 * VL);
        c50.intoArray(tile, 20 * VL); c51.intoArray(tile, 21 * VL); c52.intoArray(tile, 22 * VL); c53.intoArray(tile, 23 * VL);
    }
}
