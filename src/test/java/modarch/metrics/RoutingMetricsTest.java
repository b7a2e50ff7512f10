package modarch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import modarch.Golden;
import org.junit.jupiter.api.Test;

class RoutingMetricsTest {

    private static final double TOL = 1e-9;

    @Test
    void matchesNumpyGolden() {
        JsonNode cases = Golden.read("metrics.json").get("cases");
        int checked = 0;
        for (JsonNode c : cases) {
            int rules = c.get("rules").asInt();
            double[] flat = Golden.doubles(c.get("joint"));  // (R*R) row-major
            double[][] joint = new double[rules][rules];
            for (int r = 0; r < rules; r++) System.arraycopy(flat, r * rules, joint[r], 0, rules);
            RoutingMetrics m = RoutingMetrics.of(joint);
            String id = "R=" + rules + " " + c.get("name").asText() + ": ";
            assertEquals(c.get("collapse_avg").asDouble(), m.collapseAvg(), TOL, id + "collapse_avg");
            assertEquals(c.get("collapse_worst").asDouble(), m.collapseWorst(), TOL, id + "collapse_worst");
            assertEquals(c.get("mutual_information").asDouble(), m.mutualInformation(), TOL, id + "mutual_information");
            assertEquals(c.get("inverse_mutual_information").asDouble(), m.inverseMutualInformation(), TOL,
                    id + "inverse_mutual_information");
            assertEquals(c.get("alignment").asDouble(), m.alignment(), TOL, id + "alignment");
            assertEquals(c.get("adaptation_of_marginal_100_dirichlet_draws").asDouble(), m.adaptationOfMarginal(), TOL,
                    id + "adaptation");
            checked++;
        }
        assertEquals(45, checked);
    }
}
