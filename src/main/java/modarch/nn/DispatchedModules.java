package modarch.nn;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.ops.CombineSlots;
import modarch.backend.ops.CombineSlotsBackward;
import modarch.backend.ops.GatherSlots;
import modarch.backend.ops.GemmSegmented;
import modarch.backend.ops.GemmSegmentedWeightGrad;
import modarch.backend.ops.ModuleDispatch;
import modarch.backend.ops.ReluBackward;
import modarch.backend.ops.ScatterSlots;

/**
 * The value path of {@link ModuleMlp} under top-k routing, MoE-style: each row's k (row, module) pairs are grouped by
 * module (a stable permutation, {@link ModuleDispatch}), each module runs on its own rows only (products with
 * a row count per module, {@link GemmSegmented}), and the gate-weighted results are summed back per row. A
 * module receives no rows, and no gradient, from a row that did not choose it. When the modules score themselves
 * (Modular), every module's first layer has already run on every row for its score unit, so only the second layer
 * is dispatched; otherwise both are.
 */
final class DispatchedModules {
    private final Backend backend;
    private final Precision precision; // of the segmented products
    private final int rep;
    private final int modules;
    private final int topK;
    private final int in;
    private final int hidden;
    private final int dim;
    private final int width2;
    private final boolean sharedInput;
    private final boolean firstDispatched; // whether the first layer runs on the dispatched rows too
    private final GroupLinear first;       // its w (R, in, H) and b (1, R, H)
    private final Param w2;                // w2 is (R, H, width2)
    private final Param b2;                // b2 is (1, R, width2)
    private final IntBuf pairs;            // pairs is (rep, slots): row * R + module, grouped by module
    private final IntBuf starts;           // starts is (rep, R + 1): each module's first slot
    private final IntBuf rowSlots;         // rowSlots is (rep, rows, k): the slot of each row's j-th module
    private final FloatBuf slotInput;      // slotInput is (rep, slots, in); null when the first layer is not dispatched
    private final FloatBuf slotHidden;     // slotHidden is (rep, slots, H)
    private final FloatBuf slotOutput;     // slotOutput is (rep, slots, D)
    private final FloatBuf gradSlotOutput; // (rep, slots, D)
    private final FloatBuf gradSlotHidden; // (rep, slots, H)
    private final FloatBuf gradSlotInput;  // (rep, slots, in); null when the first layer is not dispatched
    private int rows;
    private Forward forwardOps;   // the dispatch ops of the last forward's rows and buffers
    private Backward backwardOps; // and of the last backward's

    /** slots = rows * k per replica, for up to maxRows rows. */
    DispatchedModules(Workspace ws, int modules, int topK, int in, int hidden, int dim, int width2, int maxRows,
                      boolean sharedInput, boolean firstDispatched, GroupLinear first, Param w2, Param b2) {
        this.backend = ws.backend();
        this.precision = ws.precision();
        this.rep = ws.rep();
        this.modules = modules;
        this.topK = topK;
        this.in = in;
        this.hidden = hidden;
        this.dim = dim;
        this.width2 = width2;
        this.sharedInput = sharedInput;
        this.firstDispatched = firstDispatched;
        this.first = first;
        this.w2 = w2;
        this.b2 = b2;
        long maxSlots = (long) maxRows * topK;
        this.pairs = ws.ints(maxSlots);
        this.starts = ws.ints(modules + 1);
        this.rowSlots = ws.ints(maxSlots);
        this.slotInput = firstDispatched ? ws.floats(maxSlots * in) : null;
        this.slotHidden = ws.floats(maxSlots * hidden);
        this.slotOutput = ws.floats(maxSlots * dim);
        this.gradSlotOutput = ws.floats(maxSlots * dim);
        this.gradSlotHidden = ws.floats(maxSlots * hidden);
        this.gradSlotInput = firstDispatched ? ws.floats(maxSlots * in) : null;
    }

    /**
     * output (rep, rows, D) = sum over each row's chosen modules of gate * module(row). x is (rep, rows, [R,] in);
     * h (rep, rows, R, H) the first layer on every row, read when the first layer is not dispatched.
     */
    void forward(FloatBuf x, FloatBuf h, Router router, int rows, FloatBuf output) {
        this.rows = rows;
        if (forwardOps == null || !forwardOps.binds(rows, x, h, router, output)) {
            forwardOps = null;
            forwardOps = new Forward(rows, x, h, router, output);
        }
        backend.run(forwardOps.dispatch);
        backend.run(forwardOps.gather);
        if (firstDispatched) backend.run(forwardOps.firstLayer);
        backend.run(forwardOps.secondLayer);
        backend.run(forwardOps.combine);
    }

    /**
     * From gradOutput (rep, rows, D): the modules' parameter gradients, the gates' gradient into gradScores
     * (rep, rows, R; 0 at the modules left out), and either gradH (rep, rows, R, H; first layer not dispatched) or,
     * when not null, gradInput (rep, rows, [R,] in).
     */
    void backward(FloatBuf gradOutput, Router router, FloatBuf gradScores, FloatBuf gradH, FloatBuf gradInput) {
        if (backwardOps == null || !backwardOps.binds(rows, gradOutput, router, gradScores, gradH, gradInput)) {
            backwardOps = null;
            backwardOps = new Backward(rows, gradOutput, router, gradScores, gradH, gradInput);
        }
        backend.run(backwardOps.combine);
        backend.run(backwardOps.secondWeightGrad);
        backend.run(backwardOps.secondInputGrad);
        if (!firstDispatched) {
            backend.run(backwardOps.scatter);
            return;
        }
        backend.run(backwardOps.firstRelu);
        backend.run(backwardOps.firstWeightGrad);
        if (gradInput == null) return;
        backend.run(backwardOps.firstInputGrad);
        backend.run(backwardOps.scatter);
    }

    /** The forward's dispatch, its gather (of the inputs, or of h when only the second layer is dispatched) and sum. */
    private final class Forward {
        final int rows;
        final FloatBuf x, h, scores, output;
        final ModuleDispatch dispatch;
        final GatherSlots gather;
        final GemmSegmented firstLayer;  // null when the first layer is not dispatched
        final GemmSegmented secondLayer;
        final CombineSlots combine;

        Forward(int rows, FloatBuf x, FloatBuf h, Router router, FloatBuf output) {
            this.rows = rows;
            this.x = x;
            this.h = h;
            this.scores = router.scores();
            this.output = output;
            dispatch = new ModuleDispatch(rep, rows, modules, topK, router.chosen(), pairs, starts, rowSlots);
            gather = firstDispatched ? new GatherSlots(rep, rows, modules, topK, in, !sharedInput, pairs, x, slotInput)
                    : new GatherSlots(rep, rows, modules, topK, hidden, true, pairs, h, slotHidden);
            int slots = rows * topK, stride = w2.replicaStride();
            // slotHidden_m = relu(slotInput_m (n_m, in) . w[m] (in, H) + b[m]), every replica and module
            firstLayer = !firstDispatched ? null : new GemmSegmented(rep, modules, starts, slots, false, hidden, in,
                    slotInput, first.w().data(), first.w().offset(0), hidden, in * hidden, stride, slotHidden,
                    first.b().data(), first.b().offset(0), hidden, stride, true, precision);
            // slotOutput_m = slotHidden_m (n_m, H) . w2[m][:, :D] + b2[m][:D]
            secondLayer = new GemmSegmented(rep, modules, starts, slots, false, dim, hidden, slotHidden, w2.data(),
                    w2.offset(0), width2, hidden * width2, stride, slotOutput, b2.data(), b2.offset(0), width2, stride,
                    false, precision);
            combine = new CombineSlots(rep, rows, modules, topK, dim, pairs, rowSlots, scores, slotOutput, output);
        }

        boolean binds(int rows, FloatBuf x, FloatBuf h, Router router, FloatBuf output) {
            return this.rows == rows && this.x == x && this.h == h && scores == router.scores()
                    && this.output == output;
        }
    }

    /** The backward's gate gradients and its scatter (into gradH, or into gradInput when not null). */
    private final class Backward {
        final int rows;
        final FloatBuf gradOutput, scores, gradScores, gradH, gradInput;
        final CombineSlotsBackward combine;
        final GemmSegmentedWeightGrad secondWeightGrad;
        final GemmSegmented secondInputGrad;
        final ReluBackward firstRelu;                  // null when the first layer is not dispatched
        final GemmSegmentedWeightGrad firstWeightGrad; // null then too
        final GemmSegmented firstInputGrad;            // null then, or when gradInput is null
        final ScatterSlots scatter; // null when the first layer is dispatched and gradInput is null

        Backward(int rows, FloatBuf gradOutput, Router router, FloatBuf gradScores, FloatBuf gradH,
                FloatBuf gradInput) {
            this.rows = rows;
            this.gradOutput = gradOutput;
            this.scores = router.scores();
            this.gradScores = gradScores;
            this.gradH = gradH;
            this.gradInput = gradInput;
            combine = new CombineSlotsBackward(rep, rows, modules, topK, dim, pairs, rowSlots, scores, slotOutput,
                    gradOutput, gradSlotOutput, gradScores);
            int slots = rows * topK, stride = w2.replicaStride();
            int stride1 = firstDispatched ? first.w().replicaStride() : 0;
            // dw2[m][:, :D] += slotHidden_m^T . dSlotOutput_m ; db2[m][:D] += column sums
            secondWeightGrad = new GemmSegmentedWeightGrad(rep, modules, starts, slots, dim, hidden, slotHidden,
                    gradSlotOutput, w2.grad(), w2.offset(0), width2, hidden * width2, stride, b2.grad(), b2.offset(0),
                    width2, stride, precision);
            // dSlotHidden_m (n_m, H) = dSlotOutput_m (n_m, D) . w2[m][:, :D]^T
            secondInputGrad = new GemmSegmented(rep, modules, starts, slots, true, hidden, dim, gradSlotOutput,
                    w2.data(), w2.offset(0), width2, hidden * width2, stride, gradSlotHidden, null, 0, 0, 0, false,
                    precision);
            firstRelu = !firstDispatched ? null : new ReluBackward(Mat.of("slotHidden", slotHidden, 0, slots * rep,
                    hidden), Mat.of("gradSlotHidden", gradSlotHidden, 0, slots * rep, hidden));
            firstWeightGrad = !firstDispatched ? null : new GemmSegmentedWeightGrad(rep, modules, starts, slots,
                    hidden, in, slotInput, gradSlotHidden, first.w().grad(), first.w().offset(0), hidden, in * hidden,
                    stride1, first.b().grad(), first.b().offset(0), hidden, stride1, precision);
            // dSlotInput_m (n_m, in) = dSlotHidden_m (n_m, H) . w[m]^T
            firstInputGrad = !firstDispatched || gradInput == null ? null : new GemmSegmented(rep, modules, starts,
                    slots, true, in, hidden, gradSlotHidden, first.w().data(), first.w().offset(0), hidden, in * hidden,
                    stride1, gradSlotInput, null, 0, 0, 0, false, precision);
            scatter = !firstDispatched ? new ScatterSlots(rep, rows, modules, topK, hidden, true, pairs, rowSlots,
                    gradSlotHidden, gradH)
                    : gradInput == null ? null : new ScatterSlots(rep, rows, modules, topK, in, !sharedInput, pairs,
                    rowSlots, gradSlotInput, gradInput);
        }

        boolean binds(int rows, FloatBuf gradOutput, Router router, FloatBuf gradScores, FloatBuf gradH,
                      FloatBuf gradInput) {
            return this.rows == rows && this.gradOutput == gradOutput && scores == router.scores()
                    && this.gradScores == gradScores && this.gradH == gradH && this.gradInput == gradInput;
        }
    }
}
