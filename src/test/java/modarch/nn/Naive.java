package modarch.nn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference's math written out directly in double, for forward-equivalence tests. Parameter values come
 * from one replica's host block ({@link ParamArena#download}), a tensor at its {@link Param#start()}.
 */
public final class Naive {
    private Naive() {
    }

    public static Map<String, Param> byName(List<Param> params) {
        Map<String, Param> map = new LinkedHashMap<>();
        for (Param p : params) map.put(p.name(), p);
        return map;
    }

    /** nn.Linear on a replica's values v: {@code act(x W^T + b)}, weight (out, in), bias (out). */
    public static double[] linear(float[] v, Param weight, Param bias, double[] x, boolean relu) {
        int out = weight.shape()[0], in = weight.shape()[1];
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = v[bias.start() + o];
            for (int i = 0; i < in; i++) s += (double) v[weight.start() + o * in + i] * x[i];
            y[o] = relu ? Math.max(s, 0) : s;
        }
        return y;
    }

    /** Module m of a GroupLinearLayer on a replica's values v: {@code act(x w[m] + b[0][m])}, w (R, din, dout), b (1, R, dout). */
    public static double[] groupLinear(float[] v, Param w, Param b, int m, double[] x, boolean relu) {
        int din = w.shape()[1], dout = w.shape()[2];
        double[] y = new double[dout];
        for (int o = 0; o < dout; o++) {
            double s = v[b.start() + m * dout + o];
            for (int i = 0; i < din; i++) s += (double) v[w.start() + (m * din + i) * dout + o] * x[i];
            y[o] = relu ? Math.max(s, 0) : s;
        }
        return y;
    }

    public static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v);
        double[] y = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) sum += y[i] = Math.exp(x[i] - max);
        for (int i = 0; i < x.length; i++) y[i] /= sum;
        return y;
    }

    /** Values [off, off + n) of a float array, widened. */
    public static double[] slice(float[] x, int off, int n) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = x[off + i];
        return y;
    }

    /**
     * The reference's module MLP on one example, on a replica's values v: per module h_m = relu(x w1[m] + b1[m]),
     * y_m = h_m w2[m] + b2[m]; scores by kind ("self": softmax of y_m[D]; "op": softmax(scorer(context));
     * "gt": one-hot rule); out = sum_m s_m y_m[:D]. Returns out (D) followed by the scores (R).
     */
    public static double[] moduleMlp(Map<String, Param> p, float[] v, String routing, int modules, int dim,
                                     double[] x, double[] context, int rule) {
        double[][] y = new double[modules][];
        double[] logits = new double[modules];
        for (int m = 0; m < modules; m++) {
            double[] h = groupLinear(v, p.get("MLP.0.w"), p.get("MLP.0.b"), m, x, true);
            y[m] = groupLinear(v, p.get("MLP.2.w"), p.get("MLP.2.b"), m, h, false);
            if (routing.equals("self")) logits[m] = y[m][dim];
        }
        double[] s;
        switch (routing) {
            case "self":
                s = softmax(logits);
                break;
            case "op":
                s = softmax(linear(v, p.get("scorer.weight"), p.get("scorer.bias"), context, false));
                break;
            case "gt":
                s = new double[modules];
                s[rule] = 1;
                break;
            default:
                throw new IllegalArgumentException(routing);
        }
        double[] res = new double[dim + modules];
        for (int m = 0; m < modules; m++) {
            for (int j = 0; j < dim; j++) res[j] += s[m] * y[m][j];
            res[dim + m] = s[m];
        }
        return res;
    }
}
