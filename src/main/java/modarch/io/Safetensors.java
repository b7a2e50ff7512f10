package modarch.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Hugging Face safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ..., "__metadata__": {..}}}, padded
 * with spaces to a multiple of 8), then the raw little-endian tensor data, offsets relative to its start.
 * Writes F32 in the given order; reads F32, F64, F16 and BF16 into floats.
 */
public final class Safetensors {
    static final String METADATA = "__metadata__";
    private static final int CHUNK_FLOATS = 1 << 14;

    private Safetensors() {
    }

    /** One named tensor, row-major; {@code data.length} equals the product of {@code shape}. Arrays are shared, not copied. */
    public record Tensor(String name, int[] shape, float[] data) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            if (name.equals(METADATA)) throw new IllegalArgumentException("tensor name " + METADATA + " is reserved");
            long count = 1;
            for (int d : shape) {
                if (d < 0) throw new IllegalArgumentException("tensor '" + name + "' has negative dimension in " + Arrays.toString(shape));
                count = Math.multiplyExact(count, d);
            }
            if (count != data.length) {
                throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape)
                        + " holds " + count + " values but data has " + data.length);
            }
        }
    }

    /** A file's tensors in header order and its {@code __metadata__} (empty when absent). */
    public record Loaded(List<Tensor> tensors, Map<String, String> metadata) {
        public Map<String, Tensor> byName() {
            Map<String, Tensor> map = new LinkedHashMap<>();
            for (Tensor t : tensors) map.put(t.name(), t);
            return map;
        }
    }

    /** Writes {@code tensors} as F32, laid out in list order, atomically (see {@link AtomicFiles}). */
    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] header = header(tensors, metadata);
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors) writeFloats(out, t.data(), chunk);
        });
    }

    /** Reads a whole file; a malformed one throws {@link CorruptFileException}. */
    public static Loaded read(Path file) throws IOException {
        return SafetensorsReader.read(file);
    }

    private static byte[] header(List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA);
            metadata.forEach((k, v) -> meta.put(k, Objects.requireNonNull(v, () -> "metadata value for " + k)));
        }
        long offset = 0;
        for (Tensor t : tensors) {
            if (root.has(t.name())) throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", Dtype.F32.name());
            ArrayNode shape = entry.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            long end = offset + (long) t.data().length * Float.BYTES;
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = Json.MAPPER.writeValueAsBytes(root);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) & ~7);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    private static void writeFloats(OutputStream out, float[] data, ByteBuffer chunk) throws IOException {
        for (int from = 0; from < data.length; from += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, data.length - from);
            chunk.clear();
            chunk.asFloatBuffer().put(data, from, n);
            out.write(chunk.array(), 0, n * Float.BYTES);
        }
    }
}
