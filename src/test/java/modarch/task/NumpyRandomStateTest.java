package modarch.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import modarch.Golden;
import org.junit.jupiter.api.Test;

class NumpyRandomStateTest {
    private static final double TOL = 1e-12;

    /** |x - ref| <= TOL * max(1, |ref|), element-wise. */
    static void assertClose(double[] ref, double[] x, String what) {
        assertEquals(ref.length, x.length, what + ": length");
        for (int i = 0; i < ref.length; i++) {
            double bound = TOL * Math.max(1.0, Math.abs(ref[i]));
            int index = i;
            assertTrue(Math.abs(x[i] - ref[i]) <= bound, () -> what + "[" + index + "]: expected " + ref[index] + ", got " + x[index]);
        }
    }

    @Test
    void goldenStreamsMatchNumpy() {
        // each quantity in rng.json is drawn from a fresh RandomState(seed)
        JsonNode cases = Golden.read("rng.json").get("cases");
        assertTrue(cases.size() > 0);
        for (JsonNode c : cases) {
            long seed = c.get("seed").asLong();
            double[] randn = Golden.doubles(c.get("randn"));
            assertClose(randn, new NumpyRandomState(seed).randn(randn.length), "seed " + seed + " randn");
            double[] uniform = Golden.doubles(c.get("random_sample"));
            NumpyRandomState rs = new NumpyRandomState(seed);
            double[] got = new double[uniform.length];
            for (int i = 0; i < got.length; i++) got[i] = rs.randomSample();
            assertClose(uniform, got, "seed " + seed + " random_sample");
            Iterator<Map.Entry<String, JsonNode>> draws = c.get("dirichlet_first_draw").fields();
            while (draws.hasNext()) {
                Map.Entry<String, JsonNode> e = draws.next();
                double[] alpha = new double[Integer.parseInt(e.getKey())];
                Arrays.fill(alpha, 1.0);
                assertClose(Golden.doubles(e.getValue()), new NumpyRandomState(seed).dirichlet(alpha),
                        "seed " + seed + " dirichlet(ones(" + alpha.length + "))");
            }
        }
    }

    @Test
    void rawOutputsMatchNumpyAcrossTheTwist() {
        // numpy 2.4.6: MT19937()._legacy_seeding(s).random_raw(...)
        NumpyRandomState max = new NumpyRandomState(4294967295L);
        assertEquals(419326371L, max.nextUInt32());
        assertEquals(479346978L, max.nextUInt32());
        assertEquals(3918654476L, max.nextUInt32());
        NumpyRandomState zero = new NumpyRandomState(0);
        long[] raw = new long[700];
        for (int i = 0; i < raw.length; i++) raw[i] = zero.nextUInt32();
        assertEquals(2357136044L, raw[0]);
        assertEquals(3791854820L, raw[623]);
        assertEquals(341544762L, raw[624]);
        assertEquals(747805126L, raw[699]);
    }

    @Test
    void distributionsMatchNumpy() {
        // numpy 2.4.6: RandomState(7).standard_gamma(shape) x3, .standard_exponential() x3, .dirichlet([0.05, 0.3, 2.0])
        assertClose(new double[] {0.005822955027179585, 0.19220265421259491, 0.07205948603813278}, draws(7, 0.5), "gamma(0.5)");
        assertClose(new double[] {1.5506460999088816, 1.2005148885934773, 2.169708530078441}, draws(7, 2.5), "gamma(2.5)");
        assertClose(new double[] {0.07937690952144451, 1.5137586745587868, 0.5769818641565158}, draws(7, 1.0), "exponential");
        assertClose(new double[] {2.5271161533883964e-23, 0.0360957840143162, 0.9639042159856839},
                new NumpyRandomState(7).dirichlet(new double[] {0.05, 0.3, 2.0}), "dirichlet small alpha");
        assertEquals(0.0976320289940138, new NumpyRandomState(4294967295L).randomSample(), TOL);
        assertEquals(0.0, new NumpyRandomState(7).standardGamma(0.0));
    }

    private static double[] draws(long seed, double shape) {
        NumpyRandomState rs = new NumpyRandomState(seed);
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) out[i] = shape == 1.0 ? rs.standardExponential() : rs.standardGamma(shape);
        return out;
    }

    @Test
    void snapshotMatchesNumpyGetStateAndResumesExactly() {
        NumpyRandomState rs = new NumpyRandomState(123);
        rs.randn(3); // odd count: a gaussian is cached
        NumpyRandomState.State s = rs.snapshot();
        // numpy 2.4.6: RandomState(123); randn(3); get_state() -> key[:3], pos, has_gauss, gauss
        assertEquals(1122872025, s.key()[0]);
        assertEquals(737094441, s.key()[1]);
        assertEquals((int) 4160526012L, s.key()[2]);
        assertEquals(8, s.pos());
        assertTrue(s.hasGauss());
        assertEquals(-1.506294713918092, s.gauss(), TOL);

        double[] expected = rs.randn(1001);
        double expectedGamma = rs.standardGamma(0.7);
        NumpyRandomState other = new NumpyRandomState(99);
        other.restore(s);
        assertArrayEquals(expected, other.randn(1001));
        assertEquals(expectedGamma, other.standardGamma(0.7));
        assertEquals(rs.snapshot(), other.snapshot());
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NumpyRandomState(-1));
        assertTrue(e.getMessage().contains("-1") && e.getMessage().contains("4294967295"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NumpyRandomState(1L << 32));
        assertThrows(IllegalArgumentException.class, () -> new NumpyRandomState(0).standardGamma(-0.5));
        assertThrows(IllegalArgumentException.class, () -> new NumpyRandomState(0).standardGamma(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new NumpyRandomState(0).dirichlet(new double[] {1.0, 0.0}));
        assertThrows(IllegalArgumentException.class, () -> new NumpyRandomState(0).randn(-1));
        assertThrows(IllegalArgumentException.class, () -> new NumpyRandomState.State(new int[10], 0, false, 0.0));
        assertThrows(IllegalArgumentException.class, () -> new NumpyRandomState.State(new int[624], 625, false, 0.0));
    }
}
