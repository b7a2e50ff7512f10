package modarch.backend.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The kernel sources of kernels/, read as text: each .cu file without its comments, and the kernels they define. */
final class KernelSources {
    static final Path DIR = Path.of("kernels");
    private static final Pattern GLOBAL = Pattern.compile(
            "__global__\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s*)?void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s*)?(\\w+)\\s*\\(");

    private KernelSources() {
    }

    /** Every kernels/*.cu file name (e.g. "adam.cu") to its text with comments removed. */
    static Map<String, String> files() {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.toString().endsWith(".cu")) out.put(p.getFileName().toString(),
                        withoutComments(Files.readString(p)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static String withoutComments(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", "");
    }

    /** The __global__ functions the engine's kernel files define (the emulator's self-test file left out). */
    static Set<String> kernels() {
        Set<String> out = new TreeSet<>();
        for (Map.Entry<String, String> file : files().entrySet()) {
            if (file.getKey().equals("emu_selftest.cu")) continue;
            Matcher m = GLOBAL.matcher(file.getValue());
            while (m.find()) out.add(m.group(1));
        }
        return out;
    }
}
