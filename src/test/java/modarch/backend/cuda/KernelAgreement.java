package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.cpu.ScalarBackend;

/**
 * Runs one op on a device backend and on the scalar reference over the same buffers, then compares every buffer:
 * floats within relative error 1e-5 (norm-wise) and each element within 1e-4 of the buffer's scale, ints exactly.
 * Buffers are larger than the op's views, their margins random too, so a write outside a view shows.
 */
final class KernelAgreement {
    static final Backend REFERENCE = new ScalarBackend();

    /** An op over float buffers f and int buffers i, allocated on the backend it gets. */
    @FunctionalInterface
    interface Op {
        void run(Backend backend, FloatBuf[] f, IntBuf[] i);
    }

    private KernelAgreement() {
    }

    /** N(0,1) floats. */
    static float[] gaussian(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian());
        return x;
    }

    /** The contents of an op's float and int buffers after it ran. */
    record After(float[][] floats, int[][] ints) {
    }

    /** Uploads floats and ints into new buffers of backend, runs op over them, and returns them downloaded. */
    static After run(Backend backend, float[][] floats, int[][] ints, Op op) {
        FloatBuf[] fb = new FloatBuf[floats.length];
        IntBuf[] ib = new IntBuf[ints.length];
        List<AutoCloseable> open = new ArrayList<>();
        try {
            for (int j = 0; j < floats.length; j++) {
                fb[j] = backend.allocFloats(floats[j].length);
                open.add(fb[j]);
                backend.upload(floats[j], 0, fb[j], 0, floats[j].length);
            }
            for (int j = 0; j < ints.length; j++) {
                ib[j] = backend.allocInts(ints[j].length);
                open.add(ib[j]);
                backend.upload(ints[j], 0, ib[j], 0, ints[j].length);
            }
            op.run(backend, fb, ib);
            After after = new After(new float[floats.length][], new int[ints.length][]);
            for (int j = 0; j < floats.length; j++) {
                after.floats()[j] = new float[floats[j].length];
                backend.download(fb[j], 0, after.floats()[j], 0, floats[j].length);
            }
            for (int j = 0; j < ints.length; j++) {
                after.ints()[j] = new int[ints[j].length];
                backend.download(ib[j], 0, after.ints()[j], 0, ints[j].length);
            }
            return after;
        } finally {
            for (AutoCloseable c : open) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Runs op on device and on the reference from the same contents; asserts they agree. */
    static void check(String what, Backend device, float[][] floats, int[][] ints, Op op) {
        After ref = run(REFERENCE, floats, ints, op);
        After out = run(device, floats, ints, op);
        for (int j = 0; j < floats.length; j++) assertClose(what + ", float buffer " + j, ref.floats()[j], out.floats()[j]);
        for (int j = 0; j < ints.length; j++) assertArrayEquals(ref.ints()[j], out.ints()[j], what + ", int buffer " + j);
    }

    /** As {@link #check}, but bit for bit. */
    static void checkExact(String what, Backend device, float[][] floats, int[][] ints, Op op) {
        After ref = run(REFERENCE, floats, ints, op);
        After out = run(device, floats, ints, op);
        for (int j = 0; j < floats.length; j++) {
            assertArrayEquals(ref.floats()[j], out.floats()[j], what + ", float buffer " + j);
        }
        for (int j = 0; j < ints.length; j++) assertArrayEquals(ref.ints()[j], out.ints()[j], what + ", int buffer " + j);
    }

    static void assertClose(String what, float[] ref, float[] out) {
        double diff = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            assertTrue(Float.isNaN(ref[i]) == Float.isNaN(out[i]), what + ": NaN differs at " + i);
            if (Float.isNaN(ref[i])) continue;
            diff += ((double) out[i] - ref[i]) * ((double) out[i] - ref[i]);
            norm += (double) ref[i] * ref[i];
        }
        double rms = Math.sqrt(norm / Math.max(1, ref.length));
        double relative = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        assertTrue(relative < 1e-5, what + ": relative error " + relative);
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(ref[i])) continue;
            double tolerance = 1e-4 * (rms + Math.abs(ref[i]));
            assertTrue(Math.abs((double) out[i] - ref[i]) <= tolerance, what + ": element " + i + " is " + out[i]
                    + ", reference " + ref[i]);
        }
    }
}
