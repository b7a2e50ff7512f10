package modarch.io.tensorboard;

import com.google.protobuf.UnknownFieldSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads an event file back as TensorFlow's reader does: record by record, checking both CRCs, up to a cut record. */
final class EventFileRecords {
    private EventFileRecords() {
    }

    /** The events of the file's whole records, decoded field by field. */
    static List<UnknownFieldSet> events(Path file) throws IOException {
        List<UnknownFieldSet> events = new ArrayList<>();
        for (byte[] data : records(Files.readAllBytes(file))) events.add(UnknownFieldSet.parseFrom(data));
        return events;
    }

    /** The data of every whole record; a record cut short ends the list, a wrong CRC is an IOException. */
    static List<byte[]> records(byte[] file) throws IOException {
        List<byte[]> records = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        while (in.remaining() >= TfRecord.HEADER_BYTES) {
            int start = in.position();
            long length = in.getLong();
            check(in.getInt(), MaskedCrc32c.of(file, start, Long.BYTES), "length", start);
            if (in.remaining() < length + TfRecord.FOOTER_BYTES) break;
            byte[] data = Arrays.copyOfRange(file, in.position(), in.position() + (int) length);
            in.position(in.position() + (int) length);
            check(in.getInt(), MaskedCrc32c.of(data, 0, data.length), "data", start);
            records.add(data);
        }
        return records;
    }

    private static void check(int stored, int computed, String what, int offset) throws IOException {
        if (stored != computed) throw new IOException("the " + what + " CRC of the record at byte " + offset + " is wrong");
    }
}
