package modarch.backend.cuda.emu;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import modarch.backend.cuda.CudaException;

/**
 * A launch trace: the device work of an {@link EmulatedDriver}, written so that native/asan/replay.cpp can redo it
 * under AddressSanitizer with allocations of exactly the recorded sizes. A text file, one record a line:
 * <pre>
 * modarch-emu-trace 1
 * alloc ID BYTES                      allocation ID (1, 2, ... per driver) of BYTES bytes
 * copy ID OFFSET HEX                  the bytes HEX (two hex digits a byte, - for none) written at byte OFFSET of ID
 * fill ID OFFSET VALUE N              N 32-bit words of VALUE (decimal int) from byte OFFSET of ID
 * launch KERNEL GX GY GZ BX BY BZ SHARED SIGNATURE ARG...   SIGNATURE as "ppiii", - for none
 * free ID
 * </pre>
 * Each ARG of a launch is its kind letter and value: {@code pID+OFFSET} a pointer into allocation ID, {@code p-}
 * the null pointer, {@code iV} and {@code lV} integers in decimal, {@code fH} and {@code dH} the float's or
 * double's raw bits in hex. A trace started while allocations are live begins with an alloc and a copy of each
 * (its contents at that moment).
 */
final class LaunchTrace implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();
    private final Path file;
    private final BufferedWriter out;

    LaunchTrace(Path file) {
        this.file = file;
        try {
            out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
            line("modarch-emu-trace 1");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the launch trace " + file, e);
        }
    }

    void alloc(int id, long bytes) {
        line("alloc " + id + " " + bytes);
    }

    void free(int id) {
        line("free " + id);
    }

    void copy(int id, long offset, byte[] bytes) {
        line("copy " + id + " " + offset + " " + (bytes.length == 0 ? "-" : HEX.formatHex(bytes)));
    }

    void fill(int id, long offset, int value, long n) {
        line("fill " + id + " " + offset + " " + value + " " + n);
    }

    /** The launch, its pointer arguments named by the allocations that hold them. */
    void launch(Launch l, Allocations allocations) {
        StringBuilder s = new StringBuilder("launch ").append(l.kernel());
        for (int v : l.grid()) {
            s.append(' ').append(v);
        }
        for (int v : l.block()) {
            s.append(' ').append(v);
        }
        s.append(' ').append(l.sharedBytes()).append(' ').append(l.signature().isEmpty() ? "-" : l.signature());
        for (int i = 0; i < l.bits().length; i++) {
            char kind = l.signature().charAt(i);
            long v = l.bits()[i];
            s.append(' ').append(kind);
            switch (kind) {
                case 'p' -> s.append(pointer(l, i, v, allocations));
                case 'i', 'l' -> s.append(v);
                case 'f' -> s.append(Integer.toHexString((int) v));
                default -> s.append(Long.toHexString(v));
            }
        }
        line(s.toString());
    }

    private static String pointer(Launch l, int arg, long v, Allocations allocations) {
        if (v == 0) {
            return "-";
        }
        Allocations.Allocation a = allocations.holding(v);
        if (a == null) {
            throw new CudaException(l.kernel() + ": argument " + arg + " (0x" + Long.toHexString(v)
                    + ") points into no allocation of this emulated device");
        }
        return a.id() + "+" + (v - a.base());
    }

    private void line(String text) {
        try {
            out.write(text);
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the launch trace " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the launch trace " + file, e);
        }
    }
}
