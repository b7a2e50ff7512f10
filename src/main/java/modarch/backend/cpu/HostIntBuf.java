package modarch.backend.cpu;

import modarch.backend.IntBuf;

/** An {@link IntBuf} in Java heap memory, shared by the CPU backends. */
final class HostIntBuf implements IntBuf {
    private int[] data;

    HostIntBuf(int n) {
        if (n < 0) throw new IllegalArgumentException("buffer length " + n + " is negative");
        data = new int[n];
    }

    @Override
    public int length() {
        return array(this).length;
    }

    @Override
    public void close() {
        data = null;
    }

    /** The array behind a CPU buffer. */
    static int[] array(IntBuf buf) {
        if (buf == null) return null;
        int[] data = ((HostIntBuf) buf).data;
        if (data == null) throw new IllegalStateException("int buffer used after close()");
        return data;
    }
}
