package modarch.io;

import java.io.IOException;
import java.nio.file.Path;

/** A file that exists but cannot be what it claims to be; the one-line message names the file and the fault. */
public final class CorruptFileException extends IOException {
    public CorruptFileException(Path file, String fault) {
        super(file + ": " + fault);
    }
}
