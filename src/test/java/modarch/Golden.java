package modarch;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import modarch.io.Json;

/**
 * Reads the reference vectors (numpy- and PyTorch-made) from the folder named by the system property
 * {@code modarch.golden} (default ../shared/golden/public, relative to the repository root).
 */
public final class Golden {
    public static final Path DIR = Path.of(System.getProperty("modarch.golden", "../shared/golden/public"));

    private Golden() {
    }

    /**
     * The parsed file. When it is missing the calling test fails if the environment variable CI is set, and is
     * skipped (assumption) otherwise.
     */
    public static JsonNode read(String fileName) {
        Path file = DIR.resolve(fileName);
        if (!Files.isRegularFile(file)) {
            String why = "golden vectors not found at " + file.toAbsolutePath() + " (set -Dmodarch.golden=DIR)";
            if (System.getenv("CI") != null) fail(why + "; CI is set, so this fails rather than skips");
            assumeTrue(false, why + ": skipping");
        }
        try {
            return Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The numbers of a JSON array, nested arrays flattened in row-major order. */
    public static double[] doubles(JsonNode array) {
        List<JsonNode> leaves = leaves(array, new ArrayList<>());
        double[] out = new double[leaves.size()];
        for (int i = 0; i < out.length; i++) out[i] = leaves.get(i).asDouble();
        return out;
    }

    /** As {@link #doubles} for integers. */
    public static int[] ints(JsonNode array) {
        List<JsonNode> leaves = leaves(array, new ArrayList<>());
        int[] out = new int[leaves.size()];
        for (int i = 0; i < out.length; i++) out[i] = leaves.get(i).asInt();
        return out;
    }

    private static List<JsonNode> leaves(JsonNode node, List<JsonNode> out) {
        if (!node.isArray()) {
            out.add(node);
            return out;
        }
        for (JsonNode child : node) leaves(child, out);
        return out;
    }
}
