package modarch.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses and validates one safetensors file; every fault becomes a {@link CorruptFileException} naming the file. */
final class SafetensorsReader {
    /** The reference implementation's bound: a larger header is taken as corruption, not allocated. */
    private static final long MAX_HEADER_BYTES = 100_000_000;

    /** One header entry, offsets relative to the data section. */
    private record Entry(String name, Dtype dtype, int[] shape, int count, long begin, long end) {
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();

    private SafetensorsReader(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    static Safetensors.Loaded read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return new SafetensorsReader(file, channel).read();
        }
    }

    private Safetensors.Loaded read() throws IOException {
        long size = channel.size();
        if (size < Long.BYTES) throw corrupt("file is " + size + " bytes, shorter than the 8-byte header length");
        long headerLength = readAt(0, Long.BYTES).getLong();
        if (headerLength < 0 || headerLength > size - Long.BYTES) {
            throw corrupt("header length " + Long.toUnsignedString(headerLength) + " is larger than the file (" + size + " bytes)");
        }
        if (headerLength > MAX_HEADER_BYTES) throw corrupt("header length " + headerLength + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        long dataStart = Long.BYTES + headerLength;
        parseHeader(readAt(Long.BYTES, (int) headerLength));
        checkLayout(size - dataStart);

        List<Safetensors.Tensor> tensors = new ArrayList<>(entries.size());
        long largest = entries.stream().mapToLong(e -> e.end - e.begin).max().orElse(0);
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) largest).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            buffer.clear().limit((int) (e.end - e.begin));
            fill(buffer, dataStart + e.begin);
            float[] data = new float[e.count];
            e.dtype.decode(buffer.flip(), data);
            tensors.add(new Safetensors.Tensor(e.name, e.shape, data));
        }
        return new Safetensors.Loaded(List.copyOf(tensors), Collections.unmodifiableMap(metadata));
    }

    private void parseHeader(ByteBuffer bytes) throws IOException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes.array());
        } catch (JsonProcessingException e) {
            throw corrupt("header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw corrupt("header is not a JSON object");
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(Safetensors.METADATA)) {
                parseMetadata(field.getValue());
            } else {
                entries.add(parseEntry(field.getKey(), field.getValue()));
            }
        }
    }

    private void parseMetadata(JsonNode node) throws IOException {
        if (!node.isObject()) throw corrupt(Safetensors.METADATA + " is not a JSON object");
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) throw corrupt("metadata value for '" + field.getKey() + "' is not a string");
            metadata.put(field.getKey(), field.getValue().textValue());
        }
    }

    private Entry parseEntry(String name, JsonNode node) throws IOException {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) throw corrupt(where + " is not a JSON object");
        JsonNode dtypeNode = node.path("dtype");
        Dtype dtype = Dtype.parse(dtypeNode.asText());
        if (!dtypeNode.isTextual() || dtype == null) {
            throw corrupt(where + " has unknown or unsupported dtype " + (dtypeNode.isMissingNode() ? "(none)" : dtypeNode) + " (readable: F32, F64, F16, BF16)");
        }
        JsonNode shapeNode = node.path("shape");
        if (!shapeNode.isArray()) throw corrupt(where + " has no shape array");
        int[] shape = new int[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToInt() || !d.isIntegralNumber() || d.intValue() < 0) throw corrupt(where + " has invalid shape " + shapeNode);
            shape[i] = d.intValue();
            count *= shape[i];
            if (count * dtype.bytes > Integer.MAX_VALUE) throw corrupt(where + " of shape " + shapeNode + " is too large to load");
        }
        JsonNode offsets = node.path("data_offsets");
        if (!offsets.isArray() || offsets.size() != 2 || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw corrupt(where + " has invalid data_offsets " + offsets);
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < begin || end - begin != count * dtype.bytes) {
            throw corrupt(where + " data_offsets " + offsets + " do not match " + dtype + " of shape " + shapeNode
                    + " (" + count * dtype.bytes + " bytes)");
        }
        return new Entry(name, dtype, shape, (int) count, begin, end);
    }

    /** Tensors must tile the data section exactly: no overlap, no gap, nothing past its end, nothing left over. */
    private void checkLayout(long dataLength) throws IOException {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin));
        long expected = 0;
        String previous = "the data start";
        for (Entry e : byOffset) {
            if (e.end > dataLength) {
                throw corrupt("tensor '" + e.name + "' data_offsets [" + e.begin + ", " + e.end
                        + "] are out of range of the " + dataLength + "-byte data section");
            }
            if (e.begin < expected) throw corrupt("tensor '" + e.name + "' overlaps " + previous);
            if (e.begin > expected) throw corrupt("gap of " + (e.begin - expected) + " bytes before tensor '" + e.name + "'");
            expected = e.end;
            previous = "tensor '" + e.name + "'";
        }
        if (expected != dataLength) throw corrupt((dataLength - expected) + " bytes of data after the last tensor");
    }

    private ByteBuffer readAt(long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        fill(buffer, position);
        return buffer.flip();
    }

    private void fill(ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) throw corrupt("file ended while reading (changed during read?)");
        }
    }

    private CorruptFileException corrupt(String fault) {
        return new CorruptFileException(file, fault.replaceAll("\\s+", " "));
    }
}
