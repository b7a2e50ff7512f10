package modarch.io.tensorboard;

/**
 * TensorBoard's Event messages (tensorboard/compat/proto/event.proto): every one with its wall time (seconds since
 * the epoch) and step, holding the file version, a session log or a summary.
 */
final class Events {
    /** The first event of every file: version 2 tells readers that SessionLog START events mark restarts. */
    static final String FILE_VERSION = "brain.Event:2";

    private static final int WALL_TIME = 1;
    private static final int STEP = 2;
    private static final int FILE_VERSION_FIELD = 3;
    private static final int SUMMARY = 5;
    private static final int SESSION_LOG = 7;
    private static final int SESSION_LOG_STATUS = 1;
    private static final int SESSION_LOG_START = 1;

    private Events() {
    }

    /** Now, as an event's wall time: seconds since the epoch. */
    static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    static byte[] fileVersion(double wallTime) {
        return Protobuf.message(out -> {
            out.writeDouble(WALL_TIME, wallTime);
            out.writeInt64(STEP, 0);
            out.writeString(FILE_VERSION_FIELD, FILE_VERSION);
        });
    }

    /**
     * SessionLog START: the first one of a run opens it; each later one is a restart, after which readers drop what
     * earlier files logged at steps {@code >= step} (EventAccumulator's purge_orphaned_data).
     */
    static byte[] sessionStart(double wallTime, long step) {
        byte[] sessionLog = Protobuf.message(out -> out.writeEnum(SESSION_LOG_STATUS, SESSION_LOG_START));
        return Protobuf.message(out -> {
            out.writeDouble(WALL_TIME, wallTime);
            out.writeInt64(STEP, step);
            out.writeByteArray(SESSION_LOG, sessionLog);
        });
    }

    static byte[] summary(double wallTime, long step, Summary summary) {
        byte[] encoded = summary.encode();
        return Protobuf.message(out -> {
            out.writeDouble(WALL_TIME, wallTime);
            out.writeInt64(STEP, step);
            out.writeByteArray(SUMMARY, encoded);
        });
    }
}
