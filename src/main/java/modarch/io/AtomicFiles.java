package modarch.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whole-file writes that a crash or an exception can never leave half done: the bytes go to
 * {@code .name.tmp-<random>} beside the target, are forced to disk, then renamed over the target
 * in one atomic move. On any failure the temporary file is deleted and an existing target is untouched.
 */
public final class AtomicFiles {
    private static final int BUFFER_BYTES = 1 << 16;

    private AtomicFiles() {
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Streams {@code body}'s output into {@code target}. The stream is buffered; closing it inside
     * {@code body} only flushes it. A failure of the file system (full, read-only, gone) is a
     * {@link WriteFailedException} naming {@code target}; what {@code body} itself throws passes unchanged.
     */
    public static void write(Path target, IOConsumer<OutputStream> body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            FileChannel channel;
            try {
                channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw failed(target, e);
            }
            try (channel) {
                OutputStream out = new BufferedOutputStream(new NamedFailures(Channels.newOutputStream(channel), target),
                        BUFFER_BYTES) {
                    @Override
                    public void close() throws IOException {
                        flush(); // the channel is closed below, after force
                    }
                };
                body.accept(out);
                out.flush();
                try {
                    channel.force(true);
                } catch (IOException e) {
                    throw failed(target, e);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw failed(target, e);
            }
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
    }

    private static WriteFailedException failed(Path target, IOException e) {
        return e instanceof WriteFailedException ? (WriteFailedException) e : new WriteFailedException(target, e);
    }

    /** A file that could not be written, and the OS's reason, in one line: "cannot write PATH: REASON". */
    public static final class WriteFailedException extends IOException {
        private final Path file;

        WriteFailedException(Path file, IOException cause) {
            super("cannot write " + file + ": " + IOFaults.reason(cause), cause);
            this.file = file;
        }

        public Path file() {
            return file;
        }
    }

    /** The channel's stream, whose failures name the target file. */
    private static final class NamedFailures extends FilterOutputStream {
        private final Path target;

        NamedFailures(OutputStream out, Path target) {
            super(out);
            this.target = target;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw failed(target, e);
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw failed(target, e);
            }
        }
    }
}
