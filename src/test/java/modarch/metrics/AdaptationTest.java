package modarch.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AdaptationTest {

    @Test
    void scoreComparesSortedVectorsWithoutTouchingThem() {
        double[] q = {0.7, 0.1, 0.2};
        double[] s = {0.3, 0.3, 0.4};
        // sorted: {0.1, 0.2, 0.7} vs {0.3, 0.3, 0.4}: (0.2 + 0.1 + 0.3) / 2
        assertEquals(0.3, Adaptation.score(q, s), 1e-15);
        assertArrayEquals(new double[] {0.7, 0.1, 0.2}, q);
        assertArrayEquals(new double[] {0.3, 0.3, 0.4}, s);
        assertEquals(0.0, Adaptation.score(q, new double[] {0.2, 0.7, 0.1}), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Adaptation.score(q, new double[2]));
    }

    @Test
    void ruleDistributionsAreReproducibleProbabilityVectors() {
        for (int seed = 0; seed < 5; seed++) {
            double[] q = Adaptation.ruleDistribution(16, seed);
            assertEquals(16, q.length);
            double total = 0;
            for (double v : q) total += v;
            assertEquals(1.0, total, 1e-12);
            assertArrayEquals(q, Adaptation.ruleDistribution(16, seed));
        }
    }

    @Test
    void perfectAdaptationScoresZeroAndTheMeanSeesEveryDraw() {
        assertEquals(0.0, Adaptation.mean(8, q -> q), 0.0);
        int[] calls = {0};
        Adaptation.mean(4, q -> {
            calls[0]++;
            return q;
        });
        assertEquals(Adaptation.DRAWS, calls[0]);
    }
}
