package modarch.nn;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.Fill;
import modarch.backend.ops.RegularizerTerms;

/**
 * The routing regularisers of one learned routing, weighted by a {@link RouterRegularization} that is active: in the
 * forward, from the logits and their softmax over all rows the routing scored, the unweighted terms (rep, 3) and the
 * weighted terms' gradient w.r.t. the logits ({@link Backend#routerRegularizers}); in the backward, that gradient for
 * the routing to add to its logits' own.
 */
final class RouterRegularizers {
    private final Backend backend;
    private final int rep;
    private final int modules;
    private final RouterRegularization weights;
    private final FloatBuf terms;      // terms is (rep, 3)
    private final FloatBuf gradLogits; // gradLogits is (rep, rows, R): the weighted terms' gradient w.r.t. the logits
    private RegularizerTerms op;       // the last forward's rows and buffers
    private Fill zeroGrad;             // zeroes gradLogits over the last forward's rows
    private CopyBlocks addGradient;    // gradLogits added into the dLogits last given, over those rows

    private RouterRegularizers(Workspace ws, int modules, int maxRows, RouterRegularization weights) {
        this.backend = ws.backend();
        this.rep = ws.rep();
        this.modules = modules;
        this.weights = weights;
        this.terms = ws.floats(3);
        this.gradLogits = ws.floats((long) maxRows * modules);
    }

    /** The regularisers of up to maxRows rows of R modules per replica; null when no weight is set. */
    static RouterRegularizers of(Workspace ws, int modules, int maxRows, RouterRegularization weights) {
        return weights.active() ? new RouterRegularizers(ws, modules, maxRows, weights) : null;
    }

    /** The terms and their gradient over the rows of logits and probs = softmax(logits), both (rep, rows, R). */
    void forward(int rows, FloatBuf logits, FloatBuf probs) {
        zeroGrad = Fill.zeros(zeroGrad, gradLogits, rep * rows * modules);
        backend.run(zeroGrad);
        if (op == null || !op.covers(rows, logits, probs)) {
            op = null;
            op = new RegularizerTerms(rep, rows, modules, logits, probs, (float) weights.loadBalance(),
                    (float) weights.zLoss(), (float) weights.miLoss(), terms, gradLogits);
        }
        backend.run(op);
    }

    /** Adds the last forward's gradient into dLogits (rep, rows, R). */
    void addGradient(int rows, FloatBuf dLogits) {
        int n = rep * rows * modules;
        if (addGradient == null || addGradient.src().cols() != n || addGradient.dst().buf() != dLogits) {
            addGradient = null;
            addGradient = CopyBlocks.add(Mat.vector("gradLogits", gradLogits, 0, n), Mat.vector("dLogits", dLogits, 0, n));
        }
        backend.run(addGradient);
    }

    /** The last forward's gradient w.r.t. the logits, (rep, rows, R), for a routing that adds it row by row. */
    FloatBuf gradLogits() {
        return gradLogits;
    }

    /** The last forward's unweighted terms, (rep, 3): load balance, router z-loss, mutual information. */
    FloatBuf terms() {
        return terms;
    }
}
