package modarch.backend.cuda.emu;

import java.util.Map;
import java.util.TreeMap;
import modarch.backend.cuda.CudaException;

/**
 * The live allocations of one {@link EmulatedDriver}, numbered 1, 2, ... in allocation order, so that a launch
 * trace can name a device pointer as (allocation id, byte offset), valid in another process.
 */
final class Allocations {
    /** One allocation: its id, first address and size in bytes. */
    record Allocation(int id, long base, long bytes) {
    }

    private final TreeMap<Long, Allocation> byBase = new TreeMap<>();
    private int lastId;

    Allocation add(long base, long bytes) {
        Allocation a = new Allocation(++lastId, base, bytes);
        byBase.put(base, a);
        return a;
    }

    /** Removes and returns the allocation starting at base; throws when there is none. */
    Allocation remove(long base) {
        Allocation a = byBase.remove(base);
        if (a == null) {
            throw new CudaException("free of 0x" + Long.toHexString(base) + ", which is not an allocation of this "
                    + "emulated device");
        }
        return a;
    }

    /** The allocation that holds pointer, its end included (pointer = base + bytes); null if none does. */
    Allocation holding(long pointer) {
        Map.Entry<Long, Allocation> e = byBase.floorEntry(pointer);
        return e != null && pointer - e.getKey() <= e.getValue().bytes() ? e.getValue() : null;
    }

    /** The allocation holding [pointer, pointer + bytes); throws when none does. */
    Allocation holding(long pointer, long bytes) {
        Allocation a = holding(pointer);
        if (a == null || pointer + bytes > a.base() + a.bytes()) {
            throw new CudaException(bytes + " bytes at 0x" + Long.toHexString(pointer)
                    + " are not inside one allocation of this emulated device");
        }
        return a;
    }

    Iterable<Allocation> live() {
        return byBase.values();
    }

    boolean isEmpty() {
        return byBase.isEmpty();
    }
}
