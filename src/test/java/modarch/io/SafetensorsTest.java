package modarch.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static float[] randomFloats(int n, long seed) {
        Random rng = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) rng.nextGaussian();
        return out;
    }

    private static Safetensors.Tensor tensor(String name, int... shape) {
        return new Safetensors.Tensor(name, shape, randomFloats(Arrays.stream(shape).reduce(1, (a, b) -> a * b), name.hashCode()));
    }

    /** A file made by hand: length prefix, header text as given (unpadded), raw data. */
    private Path raw(String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json).put(data);
        Path file = dir.resolve("hand.safetensors");
        Files.write(file, buf.array());
        return file;
    }

    private static byte[] littleEndian(int bytesPerValue, long... values) {
        ByteBuffer buf = ByteBuffer.allocate(bytesPerValue * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (bytesPerValue) {
                case 2 -> buf.putShort((short) v);
                case 4 -> buf.putInt((int) v);
                default -> buf.putLong(v);
            }
        }
        return buf.array();
    }

    private static void assertCorrupt(Path file, String fault) {
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fault), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void roundTripKeepsNamesOrderShapesBitsAndMetadata() throws IOException {
        float[] special = {0f, -0f, Float.NaN, Float.intBitsToFloat(0x7fc00123), Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE, 1e-40f};
        List<Safetensors.Tensor> tensors = List.of(
                tensor("z.last_name_first", 3, 2),
                tensor("MLP.0.w", 8, 384, 64),
                new Safetensors.Tensor("special", new int[] {special.length}, special),
                new Safetensors.Tensor("scalar", new int[] {}, new float[] {42f}),
                new Safetensors.Tensor("empty", new int[] {0, 3}, new float[0]),
                tensor("a.bias", 5));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("config", "{\"rules\": 8, \"ünï\": \"✓\"}");
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, tensors, metadata);

        Safetensors.Loaded loaded = Safetensors.read(file);
        assertEquals(List.copyOf(metadata.entrySet()), List.copyOf(loaded.metadata().entrySet()));
        assertEquals(tensors.size(), loaded.tensors().size());
        for (int i = 0; i < tensors.size(); i++) {
            Safetensors.Tensor want = tensors.get(i);
            Safetensors.Tensor got = loaded.tensors().get(i);
            assertEquals(want.name(), got.name());
            assertArrayEquals(want.shape(), got.shape());
            assertArrayEquals(bits(want.data()), bits(got.data()), want.name());
        }
        assertEquals(List.of("z.last_name_first", "MLP.0.w", "special", "scalar", "empty", "a.bias"),
                List.copyOf(loaded.byName().keySet()));

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = bytes.getLong();
        assertEquals(0, headerLength % 8);
        long floats = tensors.stream().mapToLong(t -> t.data().length).sum();
        assertEquals(8 + headerLength + 4 * floats, bytes.capacity());
    }

    private static int[] bits(float[] data) {
        int[] out = new int[data.length];
        for (int i = 0; i < data.length; i++) out[i] = Float.floatToRawIntBits(data[i]);
        return out;
    }

    @Test
    void roundTripOfAMillionFloatsWithoutMetadata() throws IOException {
        Safetensors.Tensor big = tensor("big", 1024, 1024);
        Path file = dir.resolve("big.safetensors");
        Safetensors.write(file, List.of(big), Map.of());
        Safetensors.Loaded loaded = Safetensors.read(file);
        assertTrue(loaded.metadata().isEmpty());
        assertArrayEquals(bits(big.data()), bits(loaded.tensors().get(0).data()));
        assertFalse(new String(Files.readAllBytes(file), 0, 200, StandardCharsets.UTF_8).contains(Safetensors.METADATA));
    }

    @Test
    void writingLeavesNoTempFilesAndRejectsBadInput() throws IOException {
        Path file = dir.resolve("m.safetensors");
        Safetensors.write(file, List.of(tensor("w", 2, 2)), Map.of("k", "v"));
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(file, List.of(tensor("w", 2), tensor("w", 3)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new Safetensors.Tensor("t", new int[] {2, 3}, new float[5]));
        assertThrows(IllegalArgumentException.class, () -> new Safetensors.Tensor("t", new int[] {-1}, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new Safetensors.Tensor(Safetensors.METADATA, new int[] {}, new float[1]));
        assertEquals("v", Safetensors.read(file).metadata().get("k"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void truncatedFilesAreRejected() throws IOException {
        Path file = dir.resolve("t.safetensors");
        Safetensors.write(file, List.of(tensor("a", 4, 4), tensor("b", 3)), Map.of());
        byte[] full = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(full).order(ByteOrder.LITTLE_ENDIAN).getLong();

        Files.write(file, Arrays.copyOf(full, 0));
        assertCorrupt(file, "shorter than the 8-byte header length");
        Files.write(file, Arrays.copyOf(full, 5));
        assertCorrupt(file, "shorter than the 8-byte header length");
        Files.write(file, Arrays.copyOf(full, (int) (8 + headerLength - 1)));
        assertCorrupt(file, "header length " + headerLength + " is larger than the file");
        Files.write(file, Arrays.copyOf(full, full.length - 1));
        assertCorrupt(file, "tensor 'b' data_offsets [64, 76] are out of range of the 75-byte data section");
        Files.write(file, Arrays.copyOf(full, full.length + 4));
        assertCorrupt(file, "4 bytes of data after the last tensor");
    }

    @Test
    void damagedHeadersAreRejected() throws IOException {
        Path file = dir.resolve("h.safetensors");
        Safetensors.write(file, List.of(tensor("a", 4, 4)), Map.of());
        byte[] full = Files.readAllBytes(file);

        byte[] flipped = full.clone();
        flipped[8] ^= 0x80; // the opening brace becomes an invalid UTF-8 byte
        Files.write(file, flipped);
        assertCorrupt(file, "header is not valid JSON");
        flipped = full.clone();
        flipped[9] = '!';
        Files.write(file, flipped);
        assertCorrupt(file, "header is not valid JSON");
        flipped = full.clone();
        flipped[7] = (byte) 0x80; // header length becomes negative as a signed long
        Files.write(file, flipped);
        assertCorrupt(file, "is larger than the file");

        assertCorrupt(raw("[1, 2]", new byte[0]), "header is not a JSON object");
        assertCorrupt(raw("{} {}", new byte[0]), "header is not valid JSON");
        assertCorrupt(raw("{\"a\": 1, \"a\": 2}", new byte[0]), "header is not valid JSON");
        assertCorrupt(raw("{\"__metadata__\": {\"k\": 1}}", new byte[0]), "metadata value for 'k' is not a string");
        assertCorrupt(raw("{\"a\": []}", new byte[0]), "tensor 'a' is not a JSON object");
        assertCorrupt(raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", new byte[4]),
                "tensor 'a' has invalid shape [1.5]");
        assertCorrupt(raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [65536, 65536], \"data_offsets\": [0, 4]}}", new byte[4]),
                "tensor 'a' of shape [65536,65536] is too large to load");
        assertCorrupt(raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", new byte[4]),
                "tensor 'a' has invalid data_offsets [0]");
    }

    @Test
    void badOffsetsAreRejected() throws IOException {
        String two = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [%d, %d]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [%d, %d]}}";
        assertCorrupt(raw(String.format(two, 0, 8, 8, 12), new byte[8]), "tensor 'b' data_offsets [8, 12] are out of range");
        assertCorrupt(raw(String.format(two, 0, 8, 4, 8), new byte[12]), "tensor 'b' overlaps tensor 'a'");
        assertCorrupt(raw(String.format(two, 8, 16, 0, 4), new byte[16]), "gap of 4 bytes before tensor 'a'");
        assertCorrupt(raw(String.format(two, 0, 12, 12, 16), new byte[16]),
                "tensor 'a' data_offsets [0,12] do not match F32 of shape [2] (8 bytes)");
        assertCorrupt(raw(String.format(two, 8, 0, 8, 12), new byte[12]), "tensor 'a' data_offsets [8,0] do not match");
        assertCorrupt(raw(String.format(two, -8, 0, 0, 4), new byte[4]), "tensor 'a' data_offsets [-8,0] do not match");
    }

    @Test
    void unknownDtypesAreRejected() throws IOException {
        assertCorrupt(raw("{\"a\": {\"dtype\": \"Q9\", \"shape\": [1], \"data_offsets\": [0, 4]}}", new byte[4]),
                "tensor 'a' has unknown or unsupported dtype \"Q9\"");
        assertCorrupt(raw("{\"a\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", new byte[8]),
                "dtype \"I64\"");
        assertCorrupt(raw("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", new byte[4]), "dtype (none)");
    }

    @Test
    void readsF64F16AndBf16AsFloat() throws IOException {
        String header = "{\"d\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 16]},"
                + " \"h\": {\"dtype\": \"F16\", \"shape\": [2, 4], \"data_offsets\": [16, 32]},"
                + " \"b\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [32, 36]}}";
        ByteBuffer data = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        data.put(littleEndian(8, Double.doubleToLongBits(0.1), Double.doubleToLongBits(-3e40)));
        // 1, -2, 65504 (max half), 2^-24 (smallest subnormal), 2^-14 (smallest normal), -0, inf, nan
        data.put(littleEndian(2, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x8000, 0x7c00, 0x7e00));
        data.put(littleEndian(2, 0x3f80, 0xc0a0)); // 1, -5
        Safetensors.Loaded loaded = Safetensors.read(raw(header, data.array()));
        Map<String, Safetensors.Tensor> t = loaded.byName();
        assertArrayEquals(new float[] {0.1f, Float.NEGATIVE_INFINITY}, t.get("d").data());
        assertArrayEquals(new int[] {2, 4}, t.get("h").shape());
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, 0x1p-14f, -0f, Float.POSITIVE_INFINITY, Float.NaN},
                t.get("h").data());
        assertArrayEquals(new float[] {1f, -5f}, t.get("b").data());
    }
}
