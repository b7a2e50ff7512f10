package modarch.backend.cuda;

/** Byte counts as people read them: "8 GiB", "1.5 GiB", "256 MiB", "100 bytes". */
public final class ByteSize {
    private static final String[] UNITS = {"bytes", "KiB", "MiB", "GiB", "TiB"};

    private ByteSize() {
    }

    public static String of(long bytes) {
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        if (unit == 0) return bytes + " bytes";
        long tenths = Math.round(value * 10);
        return (tenths % 10 == 0 ? Long.toString(tenths / 10) : String.format("%.1f", value)) + " " + UNITS[unit];
    }
}
