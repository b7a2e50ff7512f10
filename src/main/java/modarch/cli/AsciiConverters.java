package modarch.cli;

import java.util.function.Function;
import modarch.AsciiNumbers;
import picocli.CommandLine;

/** The converters of every numeric option of every command: ASCII numbers only ({@link AsciiNumbers}). */
final class AsciiConverters {
    private AsciiConverters() {
    }

    static void register(CommandLine cli) {
        add(cli, Integer.class, Integer.TYPE, "an integer", AsciiNumbers::parseInt);
        add(cli, Long.class, Long.TYPE, "an integer", AsciiNumbers::parseLong);
        add(cli, Double.class, Double.TYPE, "a number", AsciiNumbers::parseDouble);
        add(cli, Float.class, Float.TYPE, "a number", AsciiNumbers::parseFloat);
    }

    private static <T> void add(CommandLine cli, Class<T> boxed, Class<T> primitive, String what,
                                Function<String, T> parse) {
        CommandLine.ITypeConverter<T> converter = text -> {
            try {
                return parse.apply(text);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException(AsciiNumbers.notA(what, text));
            }
        };
        cli.registerConverter(boxed, converter);
        cli.registerConverter(primitive, converter);
    }
}
