package modarch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ActivationMatrixTest {

    /** B examples cycling through the rules, scores one-hot at module moduleOf(rule). */
    private static ActivationMatrix oneHot(int rules, int batch, IntUnaryOperator moduleOf) {
        float[] scores = new float[batch * rules];
        int[] ruleOf = new int[batch];
        for (int i = 0; i < batch; i++) {
            ruleOf[i] = (i * 7 + i / 3) % rules;
            scores[i * rules + moduleOf.applyAsInt(ruleOf[i])] = 1f;
        }
        ActivationMatrix acc = new ActivationMatrix(rules);
        acc.add(scores, ruleOf, batch / 2);
        acc.add(Arrays.copyOfRange(scores, (batch / 2) * rules, batch * rules),
                Arrays.copyOfRange(ruleOf, batch / 2, batch), batch - batch / 2);
        return acc;
    }

    @Test
    void oneHotRoutingOnTheRuleGivesTheScaledIdentity() {
        int rules = 8;
        double[][] joint = oneHot(rules, 1000, r -> r).joint();
        for (int r = 0; r < rules; r++) {
            for (int m = 0; m < rules; m++) assertEquals(r == m ? 1.0 / rules : 0.0, joint[r][m], 1e-15);
        }
        RoutingMetrics metrics = RoutingMetrics.of(joint);
        assertEquals(0.0, metrics.collapseAvg(), 1e-12);
        assertEquals(0.0, metrics.collapseWorst(), 1e-12);
        assertEquals(0.0, metrics.alignment(), 1e-12);
        assertEquals(Math.log(rules), metrics.mutualInformation(), 1e-6);
        assertEquals(0.0, metrics.inverseMutualInformation(), 1e-6);
    }

    @Test
    void permutedOneHotRoutingIsAlsoPerfectlyAligned() {
        int rules = 5;
        RoutingMetrics metrics = RoutingMetrics.of(oneHot(rules, 500, r -> (r + 2) % rules).joint());
        assertEquals(0.0, metrics.alignment(), 1e-12);
        assertEquals(0.0, metrics.collapseAvg(), 1e-12);
        assertEquals(0.0, metrics.inverseMutualInformation(), 1e-6);
    }

    @Test
    void jointIsTheConditionalMeansOverRulesNormalised() {
        // Rule 0 seen twice, rule 1 once: conditional means are {{0.5, 0.5}, {0.2, 0.8}}.
        ActivationMatrix acc = new ActivationMatrix(2);
        acc.add(new float[] {1f, 0f, 0.2f, 0.8f, 0f, 1f}, new int[] {0, 1, 0}, 3);
        double[][] conditional = acc.conditional();
        assertEquals(0.5, conditional[0][0], 1e-7);
        assertEquals(0.8, conditional[1][1], 1e-7);
        double[][] joint = acc.joint();
        assertEquals(0.25, joint[0][1], 1e-7);
        assertEquals(0.1, joint[1][0], 1e-7);
        assertEquals(0.4, joint[1][1], 1e-7);
    }

    @Test
    void fromConditionalAndFromJointNormaliseToOne() {
        double[][] m = {{1, 2, 3}, {0, 0, 4}, {5, 0, 1}};
        for (double[][] j : new double[][][] {ActivationMatrix.fromConditional(m), ActivationMatrix.fromJoint(m)}) {
            double total = 0;
            for (double[] row : j) for (double v : row) total += v;
            assertEquals(1.0, total, 1e-15);
            assertEquals(4.0 / 16.0, j[1][2], 1e-15);
        }
    }

    @Test
    void rejectsBadMatrices() {
        assertMessage("must be square", () -> ActivationMatrix.fromJoint(new double[][] {{1, 2, 3}, {1, 2, 3}}));
        assertMessage("must be square", () -> ActivationMatrix.fromConditional(new double[][] {{1, 2}, {1}}));
        assertMessage("-0.5", () -> ActivationMatrix.fromJoint(new double[][] {{1, -0.5}, {1, 1}}));
        assertMessage("NaN", () -> ActivationMatrix.fromConditional(new double[][] {{1, 1}, {Double.NaN, 1}}));
        assertMessage("Infinity", () -> ActivationMatrix.fromJoint(new double[][] {{1, 1}, {1, Double.POSITIVE_INFINITY}}));
        assertMessage("all zero", () -> ActivationMatrix.fromJoint(new double[][] {{0, 0}, {0, 0}}));
        assertMessage("at least 2", () -> ActivationMatrix.fromJoint(new double[][] {{1}}));
        assertMessage("all zero", () -> RoutingMetrics.of(new double[2][2]));
    }

    @Test
    void rejectsBadInputToTheAccumulator() {
        ActivationMatrix acc = new ActivationMatrix(3);
        assertMessage("0..2", () -> acc.add(new float[6], new int[] {0, 3}, 2));
        assertMessage("count", () -> acc.add(new float[5], new int[] {0, 1}, 2));
        acc.add(new float[] {1, 0, 0}, new int[] {0}, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, acc::joint);
        assertTrue(e.getMessage().contains("rule 1"), e.getMessage());
        assertMessage("at least 2", () -> new ActivationMatrix(1));
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "message must be one line");
    }
}
