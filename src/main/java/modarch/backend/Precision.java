package modarch.backend;

import java.util.Arrays;

/**
 * The arithmetic of a run's matrix products ({@link modarch.backend.ops.Gemm} and the segmented products): FP32, the
 * default and the reference's; TF32, inputs rounded to TF32 (as {@code cvt.rna.tf32.f32}: 10 mantissa bits, to
 * nearest, ties away from zero) and products accumulated in FP32, as tensor cores do; and 3xTF32 (CUTLASS's), each
 * input split into a big TF32 part and a small TF32 part (the rest, rounded) and three products summed, small ones
 * first in each k step of the tensor cores, which gives FP32-class accuracy at tensor-core speed. A product of two TF32 values is exact in FP32, so a
 * fused multiply-add and a multiply then add give the same bits.
 */
public enum Precision {
    FP32("fp32"), TF32("tf32"), TF32X3("3xtf32");

    private final String key;

    Precision(String key) {
        this.key = key;
    }

    /** The name in config.json, run ids, sweep files and on the command line: fp32, tf32 or 3xtf32. */
    public String key() {
        return key;
    }

    /** The precision called key; an IllegalArgumentException naming the value and the allowed ones otherwise. */
    public static Precision of(String key) {
        for (Precision p : values()) {
            if (p.key.equals(key)) return p;
        }
        throw new IllegalArgumentException("precision '" + key + "' is not one of " + allowed());
    }

    /** "fp32, tf32, 3xtf32". */
    public static String allowed() {
        return String.join(", ", Arrays.stream(values()).map(Precision::key).toList());
    }

    @Override
    public String toString() {
        return key;
    }

    /** The passes over k a product takes: 3 for 3xTF32 (small-big, big-small, big-big), else 1. */
    public int passes() {
        return this == TF32X3 ? 3 : 1;
    }

    /** The term that pass adds for inputs a and b (exact in FP32 but for FP32 itself). */
    public float product(int pass, float a, float b) {
        return operand(pass, a, true) * operand(pass, b, false);
    }

    /**
     * x as pass of this precision reads it, isA for the left operand: x itself (FP32), its TF32 part, or, for
     * 3xTF32, the small part of A in pass 0 and of B in pass 1.
     */
    public float operand(int pass, float x, boolean isA) {
        return switch (this) {
            case FP32 -> x;
            case TF32 -> tf32(x);
            case TF32X3 -> (isA ? pass == 0 : pass == 1) ? small(x) : tf32(x);
        };
    }

    /**
     * x rounded to TF32 as {@code cvt.rna.tf32.f32} does: the magnitude to the nearest multiple of 2^-10 of its
     * binade, halfway cases away from zero (the low 13 bits cleared after adding half of them); NaN and infinities
     * pass unchanged, and a finite value may round up to infinity.
     */
    public static float tf32(float x) {
        if (!Float.isFinite(x)) return x;
        return Float.intBitsToFloat((Float.floatToRawIntBits(x) + 0x1000) & 0xFFFFE000);
    }

    /** What x's TF32 part leaves, itself in TF32: x ≈ tf32(x) + small(x). */
    public static float small(float x) {
        return tf32(x - tf32(x));
    }
}
