package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The kernels and their Java launches use one launch geometry: KernelGeometry, through kernels/launch.h. */
class KernelGeometryTest {
    private static final Path HEADER = KernelSources.DIR.resolve("launch.h");

    @Test
    void theHeaderIsGeneratedFromTheJavaConstants() throws IOException {
        if (Boolean.getBoolean("modarch.writeLaunchHeader")) Files.writeString(HEADER, KernelGeometry.header());
        assertEquals(KernelGeometry.header(), Files.readString(HEADER), HEADER + " differs from KernelGeometry: run "
                + "mvn -o test -Dtest=KernelGeometryTest -Dmodarch.writeLaunchHeader=true and rebuild the fatbin");
    }

    /** A .cu file that uses a header constant includes the header, and none defines a name the header owns. */
    @Test
    void noKernelFileDefinesWhatTheHeaderOwns() {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> file : KernelSources.files().entrySet()) {
            String source = file.getValue();
            boolean uses = false;
            for (String name : KernelGeometry.constants().keySet()) {
                if (Pattern.compile("#\\s*define\\s+" + name + "\\b").matcher(source).find()) {
                    problems.add(file.getKey() + " defines " + name);
                }
                uses |= Pattern.compile("\\b" + name + "\\b").matcher(source).find();
            }
            if (uses && !source.contains("#include \"launch.h\"")) problems.add(file.getKey() + " does not include launch.h");
        }
        assertTrue(problems.isEmpty(), String.join("; ", problems));
    }

    /** Every kernel's launch bounds are named: a block size in a kernel file is a header constant, not a number. */
    @Test
    void launchBoundsNameTheirBlockSize() {
        List<String> problems = new ArrayList<>();
        Pattern bounds = Pattern.compile("__launch_bounds__\\s*\\(\\s*([^,)]*)");
        for (Map.Entry<String, String> file : KernelSources.files().entrySet()) {
            if (file.getKey().equals("emu_selftest.cu")) continue;
            Matcher m = bounds.matcher(file.getValue());
            while (m.find()) {
                if (m.group(1).trim()
                        .matches("\\d+")) problems.add(file.getKey() + ": __launch_bounds__(" + m.group(1) + ")");
            }
        }
        assertTrue(problems.isEmpty(), "block sizes written as numbers: " + problems);
    }
}
