package modarch.io.tensorboard;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import modarch.io.IOConsumer;

/** One protobuf message's bytes, its fields written by protobuf-java's CodedOutputStream. */
final class Protobuf {
    private Protobuf() {
    }

    static byte[] message(IOConsumer<CodedOutputStream> fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            fields.accept(out);
            out.flush();
        } catch (IOException inMemory) {
            throw new UncheckedIOException(inMemory);
        }
        return bytes.toByteArray();
    }
}
