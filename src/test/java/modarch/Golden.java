package modarch;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the numpy-made reference vectors in ../shared/golden/public/ (relative to the repository root). */
public final class Golden {
    public static final Path DIR = Path.of("..", "shared", "golden", "public");

    private Golden() {
    }

    /** The parsed file; skips the calling test (assumption) when the golden folder is absent. */
    public static JsonNode read(String fileName) {
        Path file = DIR.resolve(fileName);
        assumeTrue(Files.isRegularFile(file),
                "golden vectors not found at " + file.toAbsolutePath() + ": skipping (they live in ../shared/golden/public/)");
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
        return out;
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
