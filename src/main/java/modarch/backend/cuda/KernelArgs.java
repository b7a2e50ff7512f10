package modarch.backend.cuda;

import java.util.Arrays;

/**
 * A kernel's argument list, built in parameter order: device pointers, 32-bit ints, floats and 64-bit values.
 * {@link #signature()} spells the kinds as the emulated device checks them ('p' pointer, 'i' int, 'f' float,
 * 'l' long, 'd' double), so a launch whose arguments do not match its kernel's parameters fails loudly
 * instead of reading garbage.
 */
public final class KernelArgs {
    private long[] bits = new long[16]; // each argument's value: the pointer, the int, the float's or double's bits
    private char[] kinds = new char[16];
    private int count;

    public static KernelArgs of() {
        return new KernelArgs();
    }

    /** A device pointer (0 for a null pointer). */
    public KernelArgs ptr(long pointer) {
        return add('p', pointer);
    }

    public KernelArgs i(int value) {
        return add('i', value);
    }

    /** A boolean as the int 0 or 1. */
    public KernelArgs flag(boolean value) {
        return add('i', value ? 1 : 0);
    }

    public KernelArgs f(float value) {
        return add('f', Float.floatToRawIntBits(value) & 0xFFFFFFFFL);
    }

    public KernelArgs l(long value) {
        return add('l', value);
    }

    public KernelArgs d(double value) {
        return add('d', Double.doubleToRawLongBits(value));
    }

    /** Every argument of other, after these. */
    public KernelArgs append(KernelArgs other) {
        for (int i = 0; i < other.count; i++) add(other.kinds[i], other.bits[i]);
        return this;
    }

    private KernelArgs add(char kind, long value) {
        if (count == bits.length) {
            bits = Arrays.copyOf(bits, 2 * count);
            kinds = Arrays.copyOf(kinds, 2 * count);
        }
        bits[count] = value;
        kinds[count] = kind;
        count++;
        return this;
    }

    public int count() {
        return count;
    }

    /** The kind of argument i: 'p', 'i', 'f', 'l' or 'd'. */
    public char kind(int i) {
        return kinds[i];
    }

    /** Argument i's raw value: a pointer or long as is, an int sign-extended, a float's or double's bits. */
    public long bits(int i) {
        return bits[i];
    }

    /** The kinds in order, e.g. "ppif". */
    public String signature() {
        return new String(kinds, 0, count);
    }
}
