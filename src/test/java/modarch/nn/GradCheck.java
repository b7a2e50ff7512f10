package modarch.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;

/**
 * Central finite differences in double against a layer's analytic gradients, on values that live in
 * backend buffers (each perturbation is a one-value upload).
 *
 * <p>The layers compute in float, so the perturbation must be large enough to rise above fp32
 * round-off (eps = 1e-2 on values of order 1). The nets are piecewise linear in ReLU, so the
 * central difference is exact unless a perturbation moves a pre-activation across 0: every
 * perturbed forward compares the sign pattern of all ReLU outputs with the unperturbed one, and a
 * coordinate whose pattern changed is retried with eps/2, eps/4, ..., eps/64, then skipped.
 * Errors are per tensor: {@code ||analytic - numeric|| / ||numeric||}; a NaN error fails.
 */
public final class GradCheck {
    public static final double EPS = 1e-2;
    public static final double TOL = 1e-3;

    /** Runs the forward pass at the current values and returns the scalar objective in double. */
    @FunctionalInterface
    public interface Objective {
        double evaluate();
    }

    private final Backend backend;
    private final Objective objective;
    private final List<FloatBuf> reluOutputs;
    private final SplittableRandom rng;
    private final int maxCoordinates;
    private final double eps;
    private double tolerance = TOL;
    private final List<String> failures = new ArrayList<>();
    private final StringBuilder report = new StringBuilder();
    private final float[] one = new float[1];
    private boolean[][] basePattern;

    /**
     * reluOutputs are the (whole) output buffers of every ReLU in the forward pass; at most
     * maxCoordinates random coordinates of each tensor are checked.
     */
    public GradCheck(Backend backend, Objective objective, List<FloatBuf> reluOutputs, long seed, int maxCoordinates) {
        this(backend, objective, reluOutputs, seed, maxCoordinates, EPS);
    }

    /** As above with a first perturbation other than {@link #EPS}. */
    public GradCheck(Backend backend, Objective objective, List<FloatBuf> reluOutputs, long seed, int maxCoordinates,
                     double eps) {
        this.backend = backend;
        this.eps = eps;
        this.objective = objective;
        this.reluOutputs = List.copyOf(reluOutputs);
        this.rng = new SplittableRandom(seed);
        this.maxCoordinates = maxCoordinates;
    }

    /** Fails at a relative error of tolerance or more instead of {@link #TOL}; returns this. */
    public GradCheck tolerance(double tolerance) {
        this.tolerance = tolerance;
        return this;
    }

    private boolean[][] pattern() {
        boolean[][] p = new boolean[reluOutputs.size()][];
        for (int t = 0; t < p.length; t++) {
            float[] y = TestBuffers.read(backend, reluOutputs.get(t));
            p[t] = new boolean[y.length];
            for (int i = 0; i < y.length; i++) p[t][i] = y[i] > 0f;
        }
        return p;
    }

    private boolean samePattern() {
        for (int t = 0; t < basePattern.length; t++) {
            float[] y = TestBuffers.read(backend, reluOutputs.get(t));
            boolean[] base = basePattern[t];
            for (int i = 0; i < y.length; i++) {
                if ((y[i] > 0f) != base[i]) return false;
            }
        }
        return true;
    }

    private float get(FloatBuf values, int at) {
        backend.download(values, at, one, 0, 1);
        return one[0];
    }

    private void set(FloatBuf values, int at, float v) {
        one[0] = v;
        backend.upload(one, 0, values, at, 1);
    }

    /**
     * Compares analytic[aOff + i] with d objective / d values[off + i] for i < n; records a failure
     * when the relative error is the tolerance ({@link #TOL} unless set) or more (or NaN). Returns that error.
     */
    public double check(String name, FloatBuf values, int off, int n, float[] analytic, int aOff) {
        int[] positions = new int[n];
        float[] ana = new float[n];
        for (int i = 0; i < n; i++) {
            positions[i] = off + i;
            ana[i] = analytic[aOff + i];
        }
        return check(name, values, positions, ana);
    }

    /** Compares analytic[i] with d objective / d values[positions[i]] for every i. */
    public double check(String name, FloatBuf values, int[] positions, float[] analytic) {
        int n = positions.length;
        objective.evaluate();
        basePattern = pattern();

        List<Integer> coords = new ArrayList<>(n);
        for (int i = 0; i < n; i++) coords.add(i);
        if (n > maxCoordinates) {
            Collections.shuffle(coords, new java.util.Random(rng.nextLong()));
            coords = coords.subList(0, maxCoordinates);
        }
        double diff2 = 0, num2 = 0, ana2 = 0;
        int used = 0, skipped = 0, shrunk = 0;
        for (int i : coords) {
            int at = positions[i];
            float x0 = get(values, at);
            double d = Double.NaN;
            for (double h = eps; h >= eps / 64 && Double.isNaN(d); h /= 2) {
                float xp = (float) (x0 + h);
                float xm = (float) (x0 - h);
                set(values, at, xp);
                double lp = objective.evaluate();
                boolean ok = samePattern();
                set(values, at, xm);
                double lm = objective.evaluate();
                ok &= samePattern();
                set(values, at, x0);
                if (ok) {
                    d = (lp - lm) / ((double) xp - (double) xm);
                    if (h < eps) shrunk++;
                }
            }
            if (Double.isNaN(d)) {
                skipped++;
                continue;
            }
            used++;
            double a = analytic[i];
            diff2 += (a - d) * (a - d);
            num2 += d * d;
            ana2 += a * a;
        }
        objective.evaluate(); // leave the layers at the unperturbed point
        double err;
        if (num2 == 0 && ana2 == 0) {
            err = 0;
        } else {
            err = Math.sqrt(diff2) / Math.max(Math.sqrt(num2), 1e-30);
        }
        String line = String.format("%-28s n=%5d checked=%4d shrunk=%3d skipped=%3d |num|=%.3e relerr=%.2e",
                name, n, used, shrunk, skipped, Math.sqrt(num2), err);
        report.append(line).append('\n');
        if (!(err < tolerance)) failures.add(line);
        if (skipped * 4 > coords.size()) failures.add(line + " (too many coordinates skipped at ReLU kinks)");
        if (used > 0 && num2 == 0 && ana2 == 0 && n > 4) failures.add(line + " (gradient identically zero: vacuous)");
        return err;
    }

    /** Convenience for a Param: every replica of it in the arena, against its accumulated gradient. */
    public double check(ParamArena arena, Param p) {
        int rep = arena.rep();
        int[] positions = new int[rep * p.size()];
        float[] analytic = new float[positions.length];
        for (int r = 0; r < rep; r++) {
            for (int i = 0; i < p.size(); i++) positions[r * p.size() + i] = p.offset(r) + i;
            backend.download(arena.grad(), p.offset(r), analytic, r * p.size(), p.size());
        }
        return check(p.name(), arena.data(), positions, analytic);
    }

    public String report() {
        return report.toString();
    }

    /** Fails with every recorded failure and the full report. */
    public void assertPassed() {
        if (Boolean.getBoolean("gradcheck.verbose")) System.out.print(report);
        assertTrue(failures.isEmpty(), () -> "gradient check failed:\n" + String.join("\n", failures)
                + "\n--- full report ---\n" + report);
    }

    /**
     * The output buffers of every ReLU layer reachable from root through fields of modarch types
     * (Linear and GroupLinear with relu = true, and the first layer of top-k routing's dispatched modules), found by
     * reflection so tests need no accessors; for a GroupLstmCell whose Modular scorer runs inside its fused step,
     * the scorer's ReLU inputs (the step's pre-activation parts, whose signs are its kinks).
     */
    public static List<FloatBuf> reluOutputs(Object root) {
        List<FloatBuf> out = new ArrayList<>();
        collect(root, out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private static void collect(Object o, List<FloatBuf> out, Set<Object> seen) {
        if (o == null || !seen.add(o)) return;
        if (o instanceof List<?> list) { // e.g. a router's chain of layers
            for (Object element : list) collect(element, out, seen);
            return;
        }
        Class<?> c = o.getClass();
        if (!c.getName().startsWith("modarch.nn.") && !c.getName().startsWith("modarch.model.")) return;
        try {
            if (o instanceof Linear || o instanceof GroupLinear) {
                Field relu = c.getDeclaredField("relu");
                relu.setAccessible(true);
                if (relu.getBoolean(o)) {
                    out.add(o instanceof Linear ? ((Linear) o).output() : ((GroupLinear) o).output());
                }
                return;
            }
            if (o instanceof DispatchedModules) { // top-k routing: the dispatched first layer's ReLU, when it runs
                Field dispatched = c.getDeclaredField("firstDispatched");
                dispatched.setAccessible(true);
                Field hidden = c.getDeclaredField("slotHidden");
                hidden.setAccessible(true);
                if (dispatched.getBoolean(o)) out.add((FloatBuf) hidden.get(o));
                return;
            }
            if (o instanceof GroupLstmCell cell && cell.needsStateForScores()) {
                for (String name : new String[] {"input", "recurrent"}) {
                    Field part = c.getDeclaredField(name);
                    part.setAccessible(true);
                    out.add((FloatBuf) part.get(o));
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive() || f.getType().isArray()) continue;
                f.setAccessible(true);
                collect(f.get(o), out, seen);
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot inspect " + c.getName(), e);
        }
    }

    // ----- small data helpers shared by the nn and model tests -----

    /** n floats uniform in (-scale, scale). */
    public static float[] uniform(SplittableRandom rng, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextDouble(-scale, scale);
        return x;
    }

    /** sum_i y[i] * c[i] over the first c.length values of a buffer, in double. */
    public static double dot(Backend backend, FloatBuf y, float[] c) {
        return dot(read(backend, y, c.length), c);
    }

    /** sum_i y[i] * c[i] over the first c.length values, in double. */
    public static double dot(float[] y, float[] c) {
        double s = 0;
        for (int i = 0; i < c.length; i++) s += (double) y[i] * c[i];
        return s;
    }

    /** The first n values of a buffer (activation buffers are sized for maxRows, results fill a prefix). */
    public static float[] read(Backend backend, FloatBuf buf, int n) {
        float[] out = new float[n];
        backend.download(buf, 0, out, 0, n);
        return out;
    }
}
