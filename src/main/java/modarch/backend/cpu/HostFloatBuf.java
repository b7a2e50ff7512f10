package modarch.backend.cpu;

import modarch.backend.FloatBuf;

/** A {@link FloatBuf} in Java heap memory, shared by the CPU backends. */
final class HostFloatBuf implements FloatBuf {
    private float[] data;

    HostFloatBuf(int n) {
        if (n < 0) throw new IllegalArgumentException("buffer length " + n + " is negative");
        data = new float[n];
    }

    @Override
    public int length() {
        return array(this).length;
    }

    @Override
    public void close() {
        data = null;
    }

    /** The array behind a CPU buffer (null for null, e.g. an absent bias). */
    static float[] array(FloatBuf buf) {
        if (buf == null) return null;
        float[] data = ((HostFloatBuf) buf).data;
        if (data == null) throw new IllegalStateException("float buffer used after close()");
        return data;
    }
}
