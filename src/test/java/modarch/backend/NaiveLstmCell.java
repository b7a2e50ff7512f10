package modarch.backend;

/**
 * One fused LSTM step written out again in double, independently of the backends, as {@link Backend#lstmCellForward}
 * and {@link Backend#lstmCellBackward} describe it (the reference's GroupLSTMCell; nn.LSTMCell for one module without
 * scores). Tensors are compact, the rows of every replica one after the other with no padding: input, recurrent,
 * gates, gradInput, gradRecurrent are (rep, rows, R, 4h); cells (rep, rows, R, h); scores, logits, gradLogits,
 * gradScores (rep, rows, R);
 * cPrev, gradCPrev, h, c, gradH, gradC (rep, rows, h); scorer (rep, R, 8h); scorerRows (rep, rows, R, 8h).
 */
final class NaiveLstmCell {
    /** Gate kinds, in the order of {@link #block}'s columns. */
    private static final int I = 0, F = 1, O = 2, G = 3;

    final int rep, rows, modules, hidden;
    final double[] gates, cells, scores, logits, h, c;
    final double[] gradInput, gradRecurrent, gradScores, gradCPrev, scorerRows;
    /** The gate block (0..3 within a module's 4h) of each kind: i, f, o, g, or nn.LSTMCell's i, f, g, o. */
    private final int[] block;

    private NaiveLstmCell(int rep, int rows, int modules, int hidden, boolean torchGateOrder) {
        this.rep = rep;
        this.rows = rows;
        this.modules = modules;
        this.hidden = hidden;
        this.block = torchGateOrder ? new int[] {0, 1, 3, 2} : new int[] {0, 1, 2, 3};
        int n = rep * rows;
        gates = new double[n * modules * 4 * hidden];
        cells = new double[n * modules * hidden];
        scores = new double[n * modules];
        logits = new double[n * modules];
        h = new double[n * hidden];
        c = new double[n * hidden];
        gradInput = new double[gates.length];
        gradRecurrent = new double[gates.length];
        gradScores = new double[scores.length];
        gradCPrev = new double[h.length];
        scorerRows = new double[n * modules * 8 * hidden];
    }

    /**
     * Forward and backward from float inputs. scorer (the Modular kind) not null: the scores are the softmax of the
     * self-scores (their logits in {@link #logits}), and gradLogits, when not null, is added to the logits' gradient;
     * else scores not null: given; else all 1 (one module).
     */
    static NaiveLstmCell run(int rep, int rows, int modules, int hidden, boolean torchGateOrder, float[] input,
                             float[] recurrent, float[] scorer, float[] scores, float[] cPrev, float[] gradH,
                             float[] gradC, float[] gradLogits) {
        NaiveLstmCell cell = new NaiveLstmCell(rep, rows, modules, hidden, torchGateOrder);
        for (int r = 0; r < rep; r++) {
            for (int i = 0; i < rows; i++) {
                cell.row(r, r * rows + i, input, recurrent, scorer, scores, cPrev, gradH, gradC, gradLogits);
            }
        }
        return cell;
    }

    /** Index of gate kind of unit j of module m in row n of a (rows, R, 4h) tensor. */
    private int gate(int n, int m, int kind, int j) {
        return ((n * modules + m) * 4 + block[kind]) * hidden + j;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double relu(double x) {
        return x > 0 ? x : 0;
    }

    private void row(int r, int n, float[] input, float[] recurrent, float[] scorer, float[] givenScores,
                     float[] cPrev, float[] gradH, float[] gradC, float[] gradLogits) {
        int width = 4 * hidden;
        // the scores
        double[] s = new double[modules];
        if (scorer != null) {
            double max = Double.NEGATIVE_INFINITY;
            for (int m = 0; m < modules; m++) {
                double logit = 0;
                int x = (n * modules + m) * width, w = (r * modules + m) * 2 * width;
                for (int k = 0; k < width; k++) {
                    logit += relu(input[x + k]) * scorer[w + k] + relu(recurrent[x + k]) * scorer[w + width + k];
                }
                s[m] = logits[n * modules + m] = logit;
                max = Math.max(max, logit);
            }
            double sum = 0;
            for (int m = 0; m < modules; m++) sum += s[m] = Math.exp(s[m] - max);
            for (int m = 0; m < modules; m++) s[m] /= sum;
        } else {
            for (int m = 0; m < modules; m++) s[m] = givenScores == null ? 1 : givenScores[n * modules + m];
        }
        System.arraycopy(s, 0, scores, n * modules, modules);
        // the cells, h and c
        double[] hNew = new double[modules * hidden];
        for (int m = 0; m < modules; m++) {
            for (int j = 0; j < hidden; j++) {
                double[] a = new double[4];
                for (int kind = 0; kind < 4; kind++) {
                    int at = gate(n, m, kind, j);
                    double pre = (double) input[at] + recurrent[at];
                    a[kind] = kind == G ? Math.tanh(pre) : sigmoid(pre);
                    gates[at] = a[kind];
                }
                double cell = a[F] * cPrev[n * hidden + j] + a[I] * a[G];
                cells[(n * modules + m) * hidden + j] = cell;
                hNew[m * hidden + j] = a[O] * Math.tanh(cell);
                h[n * hidden + j] += s[m] * hNew[m * hidden + j];
                c[n * hidden + j] += s[m] * cell;
            }
        }
        // the backward: through the cells
        double[] ds = new double[modules];
        for (int m = 0; m < modules; m++) {
            for (int j = 0; j < hidden; j++) {
                double dh = gradH[n * hidden + j], dc = gradC[n * hidden + j];
                double cell = cells[(n * modules + m) * hidden + j];
                ds[m] += dh * hNew[m * hidden + j] + dc * cell;
                double ig = gates[gate(n, m, I, j)], fg = gates[gate(n, m, F, j)];
                double og = gates[gate(n, m, O, j)], gg = gates[gate(n, m, G, j)];
                double tc = Math.tanh(cell);
                double dhNew = s[m] * dh;
                double dcNew = s[m] * dc + dhNew * og * (1 - tc * tc);
                double[] d = new double[4];
                d[I] = dcNew * gg * ig * (1 - ig);
                d[F] = dcNew * cPrev[n * hidden + j] * fg * (1 - fg);
                d[O] = dhNew * tc * og * (1 - og);
                d[G] = dcNew * ig * (1 - gg * gg);
                for (int kind = 0; kind < 4; kind++) {
                    gradInput[gate(n, m, kind, j)] = d[kind];
                    gradRecurrent[gate(n, m, kind, j)] = d[kind];
                }
                gradCPrev[n * hidden + j] += dcNew * fg;
            }
            gradScores[n * modules + m] = ds[m];
        }
        if (scorer == null) return;
        // through the softmax into the self-scores' inputs and weights
        double weighted = 0;
        for (int m = 0; m < modules; m++) weighted += s[m] * ds[m];
        for (int m = 0; m < modules; m++) {
            double dl = s[m] * (ds[m] - weighted) + (gradLogits == null ? 0 : gradLogits[n * modules + m]);
            int x = (n * modules + m) * width, w = (r * modules + m) * 2 * width, out = (n * modules + m) * 2 * width;
            for (int k = 0; k < width; k++) {
                if (input[x + k] > 0) gradInput[x + k] += dl * scorer[w + k];
                if (recurrent[x + k] > 0) gradRecurrent[x + k] += dl * scorer[w + width + k];
                scorerRows[out + k] = dl * relu(input[x + k]);
                scorerRows[out + width + k] = dl * relu(recurrent[x + k]);
            }
        }
    }
}
