package modarch.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FastRandomTest {

    @Test
    void stateRoundTripContinuesIdentically() {
        FastRandom rng = new FastRandom(42, 3);
        for (int i = 0; i < 17; i++) rng.gaussian(); // odd: a gaussian is cached in the saved state
        rng.nextInt(7);
        long[] saved = rng.state();
        FastRandom resumed = FastRandom.fromState(saved);
        assertArrayEquals(saved, resumed.state());
        for (int i = 0; i < 1000; i++) {
            assertEquals(rng.gaussian(), resumed.gaussian());
            assertEquals(rng.nextDouble(), resumed.nextDouble());
            assertEquals(rng.nextFloat(), resumed.nextFloat());
            assertEquals(rng.nextInt(1000), resumed.nextInt(1000));
            assertEquals(rng.nextLong(), resumed.nextLong());
        }
        assertArrayEquals(rng.state(), resumed.state());
    }

    @Test
    void seedsAndStreamsAreDistinctAndDeterministic() {
        assertEquals(new FastRandom(1, 2).nextLong(), new FastRandom(1, 2).nextLong());
        assertNotEquals(new FastRandom(1, 0).nextLong(), new FastRandom(1, 1).nextLong());
        assertNotEquals(new FastRandom(1, 0).nextLong(), new FastRandom(2, 0).nextLong());
        assertEquals(new FastRandom(5).nextLong(), new FastRandom(5, 0).nextLong());
    }

    @Test
    void gaussianMomentsLookNormal() {
        // loose bounds: with 1e6 draws the standard errors are 0.001 (mean) and 0.0014 (variance)
        FastRandom rng = new FastRandom(2024);
        int n = 1_000_000;
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double x = rng.gaussian();
            sum += x;
            sumSq += x * x;
        }
        double mean = sum / n;
        double variance = sumSq / n - mean * mean;
        assertEquals(0.0, mean, 0.01);
        assertEquals(1.0, variance, 0.01);
    }

    @Test
    void uniformsStayInTheUnitInterval() {
        FastRandom rng = new FastRandom(9);
        double sum = 0;
        for (int i = 0; i < 100_000; i++) {
            double d = rng.nextDouble();
            float f = rng.nextFloat();
            assertTrue(d >= 0.0 && d < 1.0 && f >= 0.0f && f < 1.0f);
            sum += d;
        }
        assertEquals(0.5, sum / 100_000, 0.01);
    }

    @Test
    void nextIntCoversEveryValueRoughlyEvenly() {
        FastRandom rng = new FastRandom(11);
        for (int bound : new int[] {1, 2, 3, 7, 64}) {
            int[] counts = new int[bound];
            int n = 2000 * bound;
            for (int i = 0; i < n; i++) counts[rng.nextInt(bound)]++;
            for (int v = 0; v < bound; v++) {
                assertTrue(counts[v] > 1500 && counts[v] < 2500, "bound " + bound + ": value " + v + " drawn " + counts[v] + " times");
            }
        }
        int huge = Integer.MAX_VALUE;
        for (int i = 0; i < 1000; i++) {
            int v = rng.nextInt(huge);
            assertTrue(v >= 0 && v < huge);
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new FastRandom(1).nextInt(0));
        assertThrows(IllegalArgumentException.class, () -> FastRandom.fromState(new long[5]));
        assertThrows(IllegalArgumentException.class, () -> FastRandom.fromState(new long[6]));
        assertThrows(IllegalArgumentException.class, () -> FastRandom.fromState(new long[] {1, 0, 0, 0, 2, 0}));
    }
}
