package modarch.io;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.ShortBuffer;

/** The safetensors element types this package reads, each decoded to float. */
enum Dtype {
    F32(4), F64(8), F16(2), BF16(2);

    final int bytes;

    Dtype(int bytes) {
        this.bytes = bytes;
    }

    /** The dtype named {@code name} in a header, or null when this package cannot read it. */
    static Dtype parse(String name) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }

    /** Decodes {@code dst.length} values from {@code src} (little-endian, positioned at the first value). */
    void decode(ByteBuffer src, float[] dst) {
        switch (this) {
            case F32 -> src.asFloatBuffer().get(dst);
            case F64 -> {
                DoubleBuffer d = src.asDoubleBuffer();
                for (int i = 0; i < dst.length; i++) dst[i] = (float) d.get(i);
            }
            case F16 -> {
                ShortBuffer s = src.asShortBuffer();
                for (int i = 0; i < dst.length; i++) dst[i] = halfToFloat(s.get(i));
            }
            case BF16 -> {
                ShortBuffer s = src.asShortBuffer();
                for (int i = 0; i < dst.length; i++) dst[i] = Float.intBitsToFloat(s.get(i) << 16);
            }
        }
    }

    /** IEEE 754 binary16 to binary32, exact (every half is a float). */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13)); // inf, nan
        if (exponent == 0) {                                                                      // zero, subnormal
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
    }
}
