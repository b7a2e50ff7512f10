package modarch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import modarch.UserError;
import modarch.io.StrictJson;
import modarch.metrics.ActivationMatrix;
import modarch.metrics.RoutingMetrics;
import modarch.train.RunEvaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = "Routing metrics of an activation matrix measured by any tool: a JSON file "
                + "{\"joint\": [[...], ...]} or {\"conditional\": [[...], ...]} (rows are rules, columns modules; each"
                + " conditional row sums to 1). At most " + MetricsCommand.MAX_RULES + " rules, in a file of at most "
                + MetricsCommand.MAX_MIB + " MiB.")
final class MetricsCommand implements Callable<Integer> {
    static final String ADAPTATION_NOTE = "from the matrix alone: the module marginal against 100 Dirichlet(1) draws "
            + "(the reference's Random-row formula), not a model's adaptation to shifted rule distributions";

    /**
     * The largest matrix measured: the alignment's assignment is O(R^3) (a 3000-rule matrix ran past a minute), and the
     * paper's R <= 64 leaves wide room below it.
     */
    static final int MAX_RULES = 256;
    /** The largest file read, checked before parsing: a 256 x 256 matrix of 17-digit numbers, indented, is 2.5 MiB. */
    static final int MAX_MIB = 16;
    /** How far a conditional row's sum may be from 1 (float32 rounding of R means is far below it). */
    private static final double ROW_SUM_TOLERANCE = 1e-3;

    private static final BigDecimal FLOAT_MAX = new BigDecimal(Float.MAX_VALUE);

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--json", description = "print the metrics as JSON on stdout")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(file)) throw new UserError(file + " does not exist or is not a file");
        long bytes = Files.size(file);
        if (bytes > MAX_MIB << 20) {
            throw new UserError(file + " is " + bytes + " bytes: a matrix file may be at most " + MAX_MIB + " MiB (up to "
                    + MAX_RULES + " rules)");
        }
        JsonNode root;
        try {
            root = StrictJson.readTree(file); // one JSON value: no trailing data, no duplicate keys
        } catch (IOException e) {
            throw new UserError(e.getMessage());
        }
        boolean joint = root.isObject() && root.has("joint");
        boolean conditional = root.isObject() && root.has("conditional");
        if (joint == conditional) {
            throw new UserError(file + " must hold exactly one of \"joint\" or \"conditional\": a square matrix, rows per rule");
        }
        String name = joint ? "joint" : "conditional";
        double[][] matrix = matrix(root.get(name), name);
        double[][] p;
        try {
            p = joint ? ActivationMatrix.fromJoint(matrix) : ActivationMatrix.fromConditional(matrix);
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": " + e.getMessage());
        }
        if (conditional) warnOfRowSums(matrix);
        RoutingMetrics metrics = RoutingMetrics.of(p);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("input", joint ? "joint" : "conditional");
        out.put("rules", p.length);
        out.putAll(RunEvaluator.routingJson(metrics, metrics.adaptationOfMarginal(), p));
        out.put("adaptation_source", ADAPTATION_NOTE);
        MetricsReport.print(System.out, out, json);
        return 0;
    }

    /** The matrix as doubles; every entry must be a number (or "nan") that a float32 can hold. */
    private double[][] matrix(JsonNode node, String name) {
        if (!node.isArray() || node.size() == 0) {
            throw new UserError(file + ": \"" + name + "\" must be a non-empty array of rows");
        }
        if (node.size() > MAX_RULES) {
            throw new UserError(file + ": \"" + name + "\" has " + node.size() + " rows: at most " + MAX_RULES
                    + " rules are measured");
        }
        double[][] out = new double[node.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode row = node.get(r);
            if (!row.isArray()) throw new UserError(file + ": " + name + "[" + r + "] is not an array (a row)");
            out[r] = new double[row.size()];
            for (int m = 0; m < row.size(); m++) {
                JsonNode v = row.get(m);
                String at = name + "[" + r + "][" + m + "]";
                if (!v.isNumber() && !(v.isTextual() && v.asText().equalsIgnoreCase("nan"))) {
                    throw new UserError(file + ": " + at + " = " + shorten(v.toString()) + " is not a number");
                }
                if (v.isNumber() && v.decimalValue().abs().compareTo(FLOAT_MAX) > 0) {
                    throw new UserError(file + ": value " + shorten(v.asText()) + " at " + at
                            + " is too large for float32 (at most " + Float.MAX_VALUE + "); scale the matrix down");
                }
                out[r][m] = v.isNumber() ? v.asDouble() : Double.NaN;
            }
        }
        return out;
    }

    /**
     * A conditional matrix holds per-rule mean routing scores, so each row sums to 1. When one does not, the
     * reference's formula (times 1/R, then divided by the total) weighs the rules by their row sums: say so.
     */
    private void warnOfRowSums(double[][] conditional) {
        for (int r = 0; r < conditional.length; r++) {
            double sum = 0;
            for (double v : conditional[r]) sum += v;
            if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
                System.err.println("modarch: warning: " + file + ": conditional row " + r + " sums to " + sum
                        + ", not 1 (a rule's mean routing scores sum to 1): the matrix is normalised as a whole,"
                        + " so each rule weighs as its row's sum");
                return;
            }
        }
    }

    private static String shorten(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
