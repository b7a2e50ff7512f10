package modarch.train;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import modarch.io.AtomicFiles;
import modarch.io.CorruptFileException;
import modarch.io.Json;
import modarch.io.RunLock;
import modarch.io.StrictJson;

/** The files of one run and how they are written: every file atomically (temp file, then rename). */
public final class RunDirectory {
    public static final String CONFIG = "config.json";
    public static final String LOG = "log.jsonl";
    public static final String MODEL_LAST = "model_last.safetensors";
    public static final String MODEL_BEST = "model_best.safetensors";
    public static final String TRAINING_STATE = "training_state.safetensors";
    public static final String METRICS = "metrics.json";


    private final Path root;

    public RunDirectory(Path root) {
        this.root = root;
    }

    /**
     * The runs at path: path itself when it is a run (it holds config.json), else the runs directly inside it (the
     * replicas of `train --seeds`), in name order; none when path is not a directory or holds no run.
     */
    public static List<RunDirectory> runsAt(Path path) throws IOException {
        RunDirectory dir = new RunDirectory(path);
        if (Files.isRegularFile(dir.file(CONFIG))) return List.of(dir);
        if (!Files.isDirectory(path)) return List.of();
        List<RunDirectory> replicas = new ArrayList<>();
        try (Stream<Path> entries = Files.list(path)) {
            for (Path p : (Iterable<Path>) entries.sorted()::iterator) {
                if (Files.isRegularFile(p.resolve(CONFIG))) replicas.add(new RunDirectory(p));
            }
        }
        return replicas;
    }

    public Path root() {
        return root;
    }

    public Path file(String name) {
        return root.resolve(name);
    }

    /** True when the directory exists and holds at least one entry besides its lock file. */
    public boolean existsNonEmpty() throws IOException {
        if (!Files.isDirectory(root)) return Files.exists(root);
        try (var entries = Files.list(root)) {
            return entries.anyMatch(p -> !p.getFileName().toString().equals(RunLock.FILE_NAME));
        }
    }

    public void writeJson(String name, Map<String, Object> content) throws IOException {
        Files.createDirectories(root);
        AtomicFiles.writeString(file(name), Json.PRETTY.writeValueAsString(content) + "\n");
    }

    /** The iteration of the last evaluation in log.jsonl, or -1 when there is none. */
    public long lastLoggedIteration() throws IOException {
        Path log = file(LOG);
        if (!Files.isRegularFile(log)) return -1;
        List<String> lines = Files.readAllLines(log);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).contains("\"event\"")) return EvalRecord.fromJson(lines.get(i)).iteration();
        }
        return -1;
    }

    /** Deletes temporary files an atomic write left behind when its process was killed. */
    public void removeStaleTempFiles() throws IOException {
        if (!Files.isDirectory(root)) return;
        try (var entries = Files.list(root)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") && name.contains(".tmp-")) Files.deleteIfExists(p);
            }
        }
    }

    /**
     * The run's config.json as a TrainConfig, read strictly (exact types, required keys, no unknown key); an
     * IOException with a one-line message naming the file when it is missing or malformed.
     */
    public TrainConfig readConfig() throws IOException {
        Path path = file(CONFIG);
        if (Files.isDirectory(path)) throw new CorruptFileException(path, "is a directory, not a run's config file");
        if (!Files.isRegularFile(path)) throw new IOException(path + " does not exist: is " + root + " a run directory?");
        return TrainConfig.fromMap(StrictJson.readObject(path), Trainer.CONFIG_EXTRA_KEYS, path);
    }

    /** Rewrites log.jsonl whole from its lines (a few dozen at most: one per evaluation). */
    public void writeLog(List<String> lines) throws IOException {
        AtomicFiles.writeString(file(LOG), lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
    }

    static String jsonLine(Map<String, Object> content) throws IOException {
        return Json.MAPPER.writeValueAsString(content);
    }
}
