package modarch.io.tensorboard;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import modarch.io.AtomicFiles;
import modarch.io.IOFaults;

/**
 * One TensorBoard event file, appended to: events.out.tfevents.SECONDS.HOST in a run directory (the prefix is how
 * TensorBoard finds it; a name already taken gets .001, .002, ... so that a later file still sorts after it). The file
 * version event comes first. Each event is one TFRecord written in one call, so a killed process leaves whole
 * records; {@link #flush()} forces them to disk, and a file cut mid-record by a machine's crash still reads up to its
 * last whole record. One writer per process and directory: replicas and restarts each write their own file.
 */
public final class EventWriter implements Closeable {
    public static final String FILE_PREFIX = "events.out.tfevents.";

    private final Path file;
    private final FileChannel channel;

    private EventWriter(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** A new event file in dir (created when missing), holding the file version event. */
    public static EventWriter create(Path dir) throws IOException {
        Files.createDirectories(dir);
        String name = String.format("%s%010d.%s", FILE_PREFIX, System.currentTimeMillis() / 1000, host());
        for (int taken = 0; ; taken++) {
            Path file = dir.resolve(taken == 0 ? name : name + String.format(".%03d", taken));
            FileChannel channel;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException exists) {
                continue;
            }
            EventWriter writer = new EventWriter(file, channel);
            try {
                writer.append(Events.fileVersion(Events.now()));
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            return writer;
        }
    }

    public Path file() {
        return file;
    }

    /**
     * A whole event file named events.out.tfevents.NAME in dir, written atomically (temp file, then rename) and
     * replacing one of that name: the file version event, then summary at step. A measurement written again (a
     * sweep killed before it recorded that it measured) then replaces the first instead of adding to it.
     */
    public static void writeWhole(Path dir, String name, long step, Summary summary) throws IOException {
        double now = Events.now();
        AtomicFiles.write(dir.resolve(FILE_PREFIX + name), out -> {
            out.write(TfRecord.frame(Events.fileVersion(now)));
            out.write(TfRecord.frame(Events.summary(now, step, summary)));
        });
    }

    /**
     * A SessionLog START at step: the first of a run opens it; a later one (in a later file) marks a restart, after
     * which TensorBoard drops what was logged at steps {@code >= step} before it.
     */
    public void sessionStart(long step) throws IOException {
        append(Events.sessionStart(Events.now(), step));
    }

    public void write(long step, Summary summary) throws IOException {
        append(Events.summary(Events.now(), step, summary));
    }

    /** Forces what was written to disk. */
    public void flush() throws IOException {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private void append(byte[] event) throws IOException {
        ByteBuffer record = ByteBuffer.wrap(TfRecord.frame(event));
        try {
            while (record.hasRemaining()) channel.write(record);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** A failure of the file system (full, gone), naming the file as the other writes of a run do. */
    private IOException failed(IOException e) {
        return new IOException("cannot write " + file + ": " + IOFaults.reason(e), e);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** The machine's name as a file name's part. */
    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (UnknownHostException unnamed) {
            return "localhost";
        }
    }
}
