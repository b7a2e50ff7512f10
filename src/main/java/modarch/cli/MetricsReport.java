package modarch.cli;

import java.io.PrintStream;
import java.util.Map;
import modarch.io.Json;

/** Prints a metrics map as JSON, or as a small two-column table with the activation matrix below it. */
final class MetricsReport {

    private MetricsReport() {
    }

    static void print(PrintStream out, Map<String, Object> metrics, boolean json) throws java.io.IOException {
        if (json) {
            out.println(Json.PRETTY.writeValueAsString(metrics));
            return;
        }
        int width = metrics.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, Object> entry : metrics.entrySet()) {
            Object value = entry.getValue();
            if (value instanceof double[][]) continue;
            String shown = value instanceof Double ? String.format("%.6f", (Double) value)
                    : value instanceof Map || value instanceof Iterable ? Json.MAPPER.writeValueAsString(value)
                    : String.valueOf(value);
            out.printf("%-" + width + "s  %s%n", entry.getKey(), shown);
        }
        Object matrix = metrics.get("activation_matrix");
        if (matrix instanceof double[][]) {
            double[][] p = (double[][]) matrix;
            out.println("activation_matrix (rows: rules, columns: modules; times R)");
            for (double[] row : p) {
                StringBuilder line = new StringBuilder(" ");
                for (double v : row) line.append(String.format(" %5.3f", v * p.length));
                out.println(line);
            }
        }
    }
}
