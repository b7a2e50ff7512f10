package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed fatbin was built from the kernels/*.cu in the tree: the manifest's sha256 lines match them. */
class KernelManifestTest {
    private static final Path MANIFEST = Path.of("src/main/resources/modarch/kernels/manifest.txt");

    @Test
    void theManifestListsEveryKernelSourceAsItIs() throws IOException, NoSuchAlgorithmException {
        Map<String, String> listed = new TreeMap<>(); // "kernels/x.cu" (or launch.h) -> sha256
        for (String line : Files.readAllLines(MANIFEST)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] f = line.split("\\s+", 2);
                listed.put(f[1].trim(), f[0]);
            }
        }
        Map<String, String> actual = new TreeMap<>();
        try (Stream<Path> files = Files.list(Path.of("kernels"))) {
            for (Path p : files.filter(p -> p.toString().endsWith(".cu") || p.toString().endsWith(".h")).toList()) {
                actual.put("kernels/" + p.getFileName(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        List<String> problems = new ArrayList<>();
        actual.forEach((file, sha) -> {
            if (!listed.containsKey(file)) {
                problems.add(file + " is not in the manifest");
            } else if (!listed.get(file).equals(sha)) {
                problems.add(file + " changed since the fatbin was built");
            }
        });
        listed.keySet().stream().filter(f -> !actual.containsKey(f)).forEach(f -> problems.add(f + " is gone"));
        assertTrue(problems.isEmpty(), String.join("; ", problems) + ": run bench/build-kernels.sh (nvcc 13) to "
                + "rebuild " + MANIFEST.getParent() + "/modarch.fatbin and its manifest, and commit them");
    }
}
