package modarch.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import modarch.io.Json;
import modarch.train.EvalRecord;
import modarch.train.RunDirectory;
import modarch.train.TrainingState;

/** Where a sweep's run stands, read from its directory alone (so any process, on any node, sees the same). */
public enum RunState {
    /** Nothing written yet. */
    NEW,
    /** Started: a checkpoint before the last iteration; a sweep resumes it. */
    PARTIAL,
    /** Trained to its last iteration, not yet measured. */
    TRAINED,
    /** Trained and measured: metrics.json of its last checkpoint at its last iteration. */
    COMPLETE,
    /** Its loss or parameters became non-finite; its last good checkpoint is kept and it is not trained again. */
    DIVERGED;

    /** Needs no more work. */
    public boolean done() {
        return this == COMPLETE || this == DIVERGED;
    }

    public static RunState of(SweepRun run, Path results) throws IOException {
        RunDirectory dir = run.dir(results);
        if (!Files.isDirectory(dir.root())) return NEW;
        long iterations = run.config().iterations();
        if (measuredAt(dir.file(RunDirectory.METRICS)) == iterations) return COMPLETE;
        Path log = dir.file(RunDirectory.LOG);
        List<String> lines = Files.isRegularFile(log) ? Files.readAllLines(log) : List.of();
        if (lines.stream().anyMatch(line -> line.contains("\"event\":\"diverged\""))) return DIVERGED;
        long logged;
        try {
            logged = lines.isEmpty() ? -1 : EvalRecord.fromJson(lines.get(lines.size() - 1)).iteration();
        } catch (IOException | RuntimeException unreadable) {
            logged = -1; // a resume reads its training state, not the log
        }
        if (logged == iterations && Files.exists(dir.file(RunDirectory.MODEL_LAST))) return TRAINED;
        boolean started = Files.exists(dir.file(RunDirectory.CONFIG)) || Files.exists(dir.file(RunDirectory.TRAINING_STATE))
                || Files.exists(dir.file(TrainingState.PREVIOUS));
        return started ? PARTIAL : NEW;
    }

    /** The iteration a metrics.json of the last checkpoint measured, or -1 (none, another checkpoint, unreadable). */
    private static long measuredAt(Path metrics) {
        if (!Files.isRegularFile(metrics)) return -1;
        try {
            JsonNode node = Json.MAPPER.readTree(metrics.toFile());
            if (!"last".equals(node.path("checkpoint").asText())) return -1;
            return node.path("iteration").asLong(-1);
        } catch (IOException unreadable) {
            return -1;
        }
    }
}
