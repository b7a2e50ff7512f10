package modarch.backend.cpu;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;

/** The heap arrays behind CPU buffers and views, for the ops' references (null for an absent operand). */
public final class Host {
    private Host() {
    }

    public static float[] floats(FloatBuf buf) {
        return HostFloatBuf.array(buf);
    }

    public static int[] ints(IntBuf buf) {
        return HostIntBuf.array(buf);
    }

    public static float[] floats(Mat view) {
        return view == null ? null : HostFloatBuf.array(view.buf());
    }

    public static int[] ints(IntMat view) {
        return view == null ? null : HostIntBuf.array(view.buf());
    }

    /** The 64-bit count held as (low, high) words at words[off] and words[off + 1]. */
    public static long longAt(int[] words, int off) {
        return (words[off] & 0xFFFFFFFFL) | ((long) words[off + 1] << 32);
    }
}
