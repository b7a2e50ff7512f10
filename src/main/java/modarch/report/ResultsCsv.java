package modarch.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import modarch.model.Registry;
import modarch.model.RunOption;
import modarch.train.TrainConfig;

/**
 * results.csv: one tidy row per run (RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, a
 * quote or a line break; '.' decimals; an empty cell for a missing value), readable by pandas and DuckDB. Every row
 * has the levels of the remedy levers (load_balance, router_z_loss, mi_loss; 0: off, the paper's recipe). The metric
 * columns are the union of the runs' numeric metrics.json keys, in a fixed order: performance, performance per length,
 * routing metrics, then any other key alphabetically.
 */
final class ResultsCsv {
    /** The columns before the metrics: the run's options, its remedy's levers (0: off), where and how it ran. */
    /** The families' options that are not a capacity: search_version, seq_len, attention_topk, d_dim, order. */
    private static final List<String> VARIANT_KEYS = Registry.variantOptions().stream().map(RunOption::key).toList();
    static final List<String> FIXED = Stream.of(List.of("family", "task", "kind", "rules", "capacity", "data_seed",
            "seed", "parameters", "iterations", "backend", "seconds", "eval_seconds"), VARIANT_KEYS, Remedy.Lever.keys(),
            List.of("run_id", "path", "status"))
            .flatMap(List::stream).toList();
    private static final List<String> PERFORMANCE = List.of("loss", "ood_loss", "error", "ood_error");
    private static final List<String> ROUTING = List.of("collapse_avg", "collapse_worst", "alignment", "adaptation",
            "mutual_information", "inverse_mutual_information");
    private static final Pattern BY_LENGTH = Pattern.compile("(ood_)?(loss|error)_len_([0-9]{1,6})");
    /** Performance, then per length (by measure, then length), then routing, then the rest by name. */
    private static final Comparator<String> METRIC_ORDER = Comparator.comparingInt(ResultsCsv::group)
            .thenComparingInt(ResultsCsv::rank).thenComparingInt(ResultsCsv::length).thenComparing(k -> k);

    private ResultsCsv() {
    }

    /** The whole file. */
    static String write(List<RunRow> rows) {
        List<String> metrics = metricColumns(rows);
        StringBuilder out = new StringBuilder();
        List<String> header = new ArrayList<>(FIXED);
        header.addAll(metrics);
        line(out, header);
        for (RunRow row : rows) {
            List<String> cells = fixed(row);
            for (String key : metrics) cells.add(number(row.metric(key)));
            line(out, cells);
        }
        return out.toString();
    }

    /** The metric columns of rows, in file order. */
    static List<String> metricColumns(List<RunRow> rows) {
        TreeSet<String> keys = new TreeSet<>(METRIC_ORDER);
        for (RunRow row : rows) keys.addAll(row.metrics().keySet());
        return List.copyOf(keys);
    }

    private static List<String> fixed(RunRow row) {
        TrainConfig c = row.config();
        Map<String, Object> options = c.options().values();
        List<String> cells = new ArrayList<>(List.of(c.task().family().name(), c.task().cliName(), c.model().cliName(),
                "" + c.rules(), row.capacity().toString(), "" + c.dataSeed(), "" + c.seed(),
                row.parameters() < 0 ? "" : "" + row.parameters(), "" + c.iterations(), row.backend(),
                number(row.trainSeconds()), number(row.evalSeconds())));
        for (String key : VARIANT_KEYS) cells.add(options.containsKey(key) ? "" + options.get(key) : "");
        for (Remedy.Lever lever : Remedy.Lever.values()) cells.add(Remedy.plain(lever.level(c)));
        cells.addAll(List.of(row.runId(), row.path(), row.status().csvName()));
        return cells;
    }

    private static String number(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }

    private static void line(StringBuilder out, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) out.append(',');
            out.append(quoted(cells.get(i)));
        }
        out.append("\r\n");
    }

    /** RFC 4180 section 2.6-2.7: quoted when it holds a comma, quote or line break; inner quotes doubled. */
    static String quoted(String field) {
        if (field.chars().noneMatch(ch -> ch == ',' || ch == '"' || ch == '\n' || ch == '\r')) return field;
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    private static int group(String key) {
        if (PERFORMANCE.contains(key)) return 0;
        if (BY_LENGTH.matcher(key).matches()) return 1;
        if (ROUTING.contains(key)) return 2;
        return 3;
    }

    /** The position within its group: loss, ood_loss, error, ood_error (also per length), or the routing order. */
    private static int rank(String key) {
        Matcher m = BY_LENGTH.matcher(key);
        if (m.matches()) return PERFORMANCE.indexOf((m.group(1) == null ? "" : m.group(1)) + m.group(2));
        int i = PERFORMANCE.indexOf(key);
        return i >= 0 ? i : ROUTING.indexOf(key);
    }

    private static int length(String key) {
        Matcher m = BY_LENGTH.matcher(key);
        return m.matches() ? Integer.parseInt(m.group(3)) : 0;
    }
}
