package modarch.io.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.UnknownFieldSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardEventFileTest {
    @TempDir
    Path dir;

    @Test
    void crc32cAndItsMaskMatchTensorFlow() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        CRC32C crc = new CRC32C();
        crc.update(check);
        assertEquals(0xe3069283L, crc.getValue()); // CRC-32C's check value
        // tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c
        assertEquals(0xc78ab0e5, MaskedCrc32c.of(check, 0, check.length));
        assertEquals(0xa282ead8, MaskedCrc32c.of(new byte[0], 0, 0));
    }

    @Test
    void framesARecordAsTensorBoardsRecordWriter() {
        // tensorboard.summary.writer.record_writer.RecordWriter(...).write(b"hello")
        byte[] expected = HexFormat.of().parseHex("0500000000000000" + "eab2043e" + "68656c6c6f" + "bb1f1c19");
        assertArrayEquals(expected, TfRecord.frame("hello".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void writesTheFileVersionFirstAndWallTimeAndStepOnEveryEvent() throws IOException {
        Path file;
        try (EventWriter writer = EventWriter.create(dir.resolve("run"))) {
            file = writer.file();
            writer.sessionStart(0);
            writer.write(7, new Summary().scalar("loss/train", 0.25).scalar("loss/eval", 1.5));
            writer.flush();
        }
        assertTrue(file.getFileName().toString().startsWith("events.out.tfevents."));
        List<UnknownFieldSet> events = EventFileRecords.events(file);
        assertEquals(3, events.size());
        assertEquals("brain.Event:2", events.get(0).getField(3).getLengthDelimitedList().get(0).toStringUtf8());
        for (UnknownFieldSet event : events) {
            double wallTime = Double.longBitsToDouble(event.getField(1).getFixed64List().get(0));
            assertTrue(Math.abs(wallTime - System.currentTimeMillis() / 1000.0) < 600, "wall time " + wallTime);
            assertEquals(1, event.getField(2).getVarintList().size());
        }
        UnknownFieldSet sessionLog = UnknownFieldSet.parseFrom(events.get(1).getField(7).getLengthDelimitedList().get(0));
        assertEquals(List.of(1L), sessionLog.getField(1).getVarintList()); // START
        assertEquals(List.of(7L), events.get(2).getField(2).getVarintList());
        UnknownFieldSet summary = UnknownFieldSet.parseFrom(events.get(2).getField(5).getLengthDelimitedList().get(0));
        assertEquals(2, summary.getField(1).getLengthDelimitedList().size());
        UnknownFieldSet value = UnknownFieldSet.parseFrom(summary.getField(1).getLengthDelimitedList().get(0));
        assertEquals("loss/train", value.getField(1).getLengthDelimitedList().get(0).toStringUtf8());
        assertEquals(0.25f, Float.intBitsToFloat(value.getField(2).getFixed32List().get(0)));
    }

    @Test
    void aFileCutMidRecordReadsUpToItsLastWholeRecord() throws IOException {
        Path file;
        try (EventWriter writer = EventWriter.create(dir)) {
            file = writer.file();
            for (int step = 0; step < 4; step++) writer.write(step, new Summary().scalar("loss/train", step));
        }
        byte[] whole = Files.readAllBytes(file);
        List<byte[]> records = EventFileRecords.records(whole);
        assertEquals(5, records.size());
        int end = 0;
        int complete = 0;
        for (int cut = 0; cut <= whole.length; cut++) {
            if (complete < records.size() && cut == end + TfRecord.HEADER_BYTES + records.get(complete).length
                    + TfRecord.FOOTER_BYTES) {
                end = cut;
                complete++;
            }
            Path truncated = dir.resolve("cut");
            Files.write(truncated, Arrays.copyOf(whole, cut));
            assertEquals(complete, EventFileRecords.events(truncated).size(), "cut at byte " + cut);
        }
        assertEquals(records.size(), complete);
    }

    @Test
    void aCorruptRecordIsNoCutRecord() throws IOException {
        Path file;
        try (EventWriter writer = EventWriter.create(dir)) {
            file = writer.file();
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 6] ^= 1;
        assertThrows(IOException.class, () -> EventFileRecords.records(bytes));
    }

    @Test
    void aFailedWriteNamesTheFile() throws IOException {
        EventWriter writer = EventWriter.create(dir);
        writer.close();
        IOException failure = assertThrows(IOException.class, () -> writer.write(1, new Summary().scalar("a", 1)));
        assertTrue(failure.getMessage().startsWith("cannot write " + writer.file() + ": "), failure.getMessage());
    }

    @Test
    void writersInOneDirectorySortInTheOrderTheyWereMade() throws IOException {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            try (EventWriter writer = EventWriter.create(dir)) {
                names.add(writer.file().getFileName().toString());
            }
        }
        assertEquals(12, new HashSet<>(names).size());
        assertEquals(names.stream().sorted().toList(), names);
    }
}
