package modarch.backend.cuda;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/**
 * One zero-filled device allocation of 4-byte elements, handed out as a {@link FloatBuf} or an {@link IntBuf} and
 * freed once by close. Every address a kernel gets goes through {@link #at}, which checks the range the op will
 * touch: a kernel cannot report an out-of-bounds access, so it is refused before the launch.
 */
final class DeviceBuffer implements FloatBuf, IntBuf {
    private final CudaDriver driver;
    private final int length;
    private long pointer;

    DeviceBuffer(CudaDriver driver, int length) {
        if (length < 0) throw new IllegalArgumentException("buffer length " + length + " is negative");
        this.driver = driver;
        this.length = length;
        this.pointer = driver.malloc(Math.max(4L, 4L * length));
        try {
            driver.fill32(pointer, 0, length);
        } catch (RuntimeException e) {
            driver.free(pointer);
            throw e;
        }
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void close() {
        if (pointer != 0) {
            driver.free(pointer);
            pointer = 0;
        }
    }

    /**
     * The device address of element off of buf (a DeviceBuffer, or null for an absent operand: 0), for an access
     * of count elements from there (count 0 touches nothing).
     */
    static long at(Object buf, long off, long count) {
        if (buf == null) return 0;
        DeviceBuffer b = (DeviceBuffer) buf;
        if (b.pointer == 0) throw new IllegalStateException("buffer used after close()");
        if (off < 0 || count < 0 || (count > 0 && off + count > b.length)) {
            throw new IndexOutOfBoundsException("elements " + off + ".." + (off + count) + " of a buffer of " + b.length);
        }
        return b.pointer + 4 * off;
    }
}
