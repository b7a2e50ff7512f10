package modarch;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** Host arrays in and out of backend buffers, and the relative error every backend test scores by. */
public final class TestBuffers {
    private TestBuffers() {
    }

    /** A new buffer holding a copy of values. */
    public static FloatBuf of(Backend backend, float[] values) {
        FloatBuf buf = backend.allocFloats(values.length);
        backend.upload(values, 0, buf, 0, values.length);
        return buf;
    }

    public static IntBuf ofInts(Backend backend, int[] values) {
        IntBuf buf = backend.allocInts(values.length);
        backend.upload(values, 0, buf, 0, values.length);
        return buf;
    }

    /** The whole buffer, downloaded. */
    public static float[] read(Backend backend, FloatBuf buf) {
        float[] out = new float[buf.length()];
        backend.download(buf, 0, out, 0, out.length);
        return out;
    }

    public static int[] readInts(Backend backend, IntBuf buf) {
        int[] out = new int[buf.length()];
        backend.download(buf, 0, out, 0, out.length);
        return out;
    }

    /** {@code ||out - ref|| / ||ref||} over the first n values (ref's norm floored at 1e-30). */
    public static double relativeError(float[] out, float[] ref, int n) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) out[i] - ref[i];
            diff += d * d;
            norm += (double) ref[i] * ref[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    }

    public static double relativeError(float[] out, float[] ref) {
        if (out.length != ref.length) throw new AssertionError("lengths " + out.length + " != " + ref.length);
        return relativeError(out, ref, ref.length);
    }

    /** Relative error against a double reference (golden values). */
    public static double relativeError(float[] out, double[] ref) {
        if (out.length != ref.length) throw new AssertionError("lengths " + out.length + " != " + ref.length);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < ref.length; i++) {
            diff += (out[i] - ref[i]) * (out[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    }
}
