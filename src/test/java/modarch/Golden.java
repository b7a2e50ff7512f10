package modarch;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import modarch.io.Json;

/**
 * Reads the reference vectors (numpy- and PyTorch-made): by default the test resources under
 * src/test/resources/modarch/golden/ (on the test classpath as /modarch/golden/), or the folder named by the system
 * property {@code modarch.golden}. They ship with the repository, so a missing file fails the test.
 */
public final class Golden {
    private static final String RESOURCES = "/modarch/golden/";
    private static final String DIR = System.getProperty("modarch.golden");

    private Golden() {
    }

    /** The parsed file; fails the calling test when it is missing. */
    public static JsonNode read(String fileName) {
        try {
            if (DIR != null) {
                Path file = Path.of(DIR).resolve(fileName);
                if (!Files.isRegularFile(file)) fail("golden vectors not found at " + file.toAbsolutePath()
                        + " (-Dmodarch.golden=" + DIR + ")");
                return Json.MAPPER.readTree(file.toFile());
            }
            try (InputStream in = Golden.class.getResourceAsStream(RESOURCES + fileName)) {
                if (in == null) fail("golden vectors not found on the test classpath at " + RESOURCES + fileName
                        + " (src/test/resources" + RESOURCES + ")");
                return Json.MAPPER.readTree(in);
            }
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
