package modarch.io.tensorboard;

import java.util.zip.CRC32C;

/**
 * TFRecord's checksum: the CRC32C of the bytes, rotated right by 15 bits plus a constant (so that the CRC of a string
 * holding CRCs stays a good check), as TensorFlow's crc32c::Mask.
 */
final class MaskedCrc32c {
    private static final int MASK_DELTA = 0xa282ead8;

    private MaskedCrc32c() {
    }

    static int of(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int value = (int) crc.getValue();
        return Integer.rotateRight(value, 15) + MASK_DELTA;
    }
}
