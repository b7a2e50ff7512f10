package modarch.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void writesThenReplacesLeavingNoTempFiles() throws IOException {
        Path target = dir.resolve("a.bin");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        AtomicFiles.writeString(target, "naïve ✓");
        assertEquals("naïve ✓", Files.readString(target, StandardCharsets.UTF_8));
        assertEquals(List.of("a.bin"), names());
    }

    @Test
    void streamingBodyMayCloseItsStream() throws IOException {
        Path target = dir.resolve("s.bin");
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        AtomicFiles.write(target, out -> {
            out.write(big, 0, 1000);
            out.write(big, 1000, big.length - 1000);
            out.close();
        });
        assertArrayEquals(big, Files.readAllBytes(target));
        assertEquals(List.of("s.bin"), names());
    }

    @Test
    void failingBodyLeavesOldFileIntactAndNoTempFile() throws IOException {
        Path target = dir.resolve("model.safetensors");
        AtomicFiles.writeString(target, "old");
        IOException thrown = new IOException("disk on fire");
        IOException caught = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]); // more than the buffer: some bytes reach the temp file
            throw thrown;
        }));
        assertSame(thrown, caught);
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, out -> {
            out.write(1);
            throw new IllegalStateException("bug");
        }));
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("model.safetensors"), names());
    }

    @Test
    void failingBodyCreatesNothingWhenTargetIsNew() throws IOException {
        Path target = dir.resolve("new.bin");
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            throw new IOException("no");
        }));
        assertFalse(Files.exists(target));
        assertEquals(List.of(), names());
    }

    @Test
    void missingDirectoryIsAnIOException() {
        assertThrows(IOException.class, () -> AtomicFiles.writeString(dir.resolve("no/such/dir/x.txt"), "x"));
    }
}
