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
                + "{\"joint\": [[...], ...]} or {\"conditional\": [[...], ...]} (rows are rules, columns modules).")
final class MetricsCommand implements Callable<Integer> {
    static final String ADAPTATION_NOTE = "from the matrix alone: the module marginal against 100 Dirichlet(1) draws "
            + "(the reference's Random-row formula), not a model's adaptation to shifted rule distributions";

    private static final BigDecimal FLOAT_MAX = new BigDecimal(Float.MAX_VALUE);

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--json", description = "print the metrics as JSON on stdout")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(file)) throw new UserError(file + " does not exist or is not a file");
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

    private static String shorten(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
