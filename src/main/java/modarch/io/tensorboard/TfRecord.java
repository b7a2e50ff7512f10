package modarch.io.tensorboard;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * TFRecord framing, the container of TensorBoard's event files: each record is its length (uint64), the masked CRC32C
 * of those 8 bytes, the data, and the masked CRC32C of the data, all little-endian. A reader stops at a record cut
 * short, so a file is readable up to its last whole record.
 */
final class TfRecord {
    static final int HEADER_BYTES = 12;
    static final int FOOTER_BYTES = 4;

    private TfRecord() {
    }

    /** The record holding data, ready to append to a file. */
    static byte[] frame(byte[] data) {
        ByteBuffer record = ByteBuffer.allocate(HEADER_BYTES + data.length + FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        record.putLong(data.length);
        record.putInt(MaskedCrc32c.of(record.array(), 0, Long.BYTES));
        record.put(data);
        record.putInt(MaskedCrc32c.of(data, 0, data.length));
        return record.array();
    }
}
