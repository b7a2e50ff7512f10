package modarch;

/**
 * Numbers as the command line, sweep files and run files write them: in ASCII. Java's parsers also read any
 * Unicode digit ('１' as 1, '٤' as 4), which these refuse.
 */
public final class AsciiNumbers {
    private AsciiNumbers() {
    }

    public static int parseInt(String text) {
        return Integer.parseInt(ascii(text));
    }

    public static long parseLong(String text) {
        return Long.parseLong(ascii(text));
    }

    public static double parseDouble(String text) {
        return Double.parseDouble(ascii(text));
    }

    public static float parseFloat(String text) {
        return Float.parseFloat(ascii(text));
    }

    /** "'text' is not what", and why when text is not ASCII. */
    public static String notA(String what, String text) {
        return "'" + text + "' is not " + what + (isAscii(text) ? "" : ": numbers are written in ASCII digits");
    }

    private static String ascii(String text) {
        if (!isAscii(text)) throw new NumberFormatException(notA("a number", text));
        return text;
    }

    private static boolean isAscii(String text) {
        return text.chars().allMatch(c -> c < 0x80);
    }
}
