package modarch.nn;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Mat;
import modarch.backend.ops.AttentionBackward;
import modarch.backend.ops.AttentionForward;
import modarch.backend.ops.AttentionShape;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.CopyPair;
import modarch.task.FastRandom;

/**
 * The attention part of the reference's MHA transformers (MHA model.py), before their output MLP: query, key and
 * value nets Linear(dim, H hd), a projection in_ Linear(dim, G hd) of the token itself, the fused attention over each
 * sequence with the diagonal masked (and, beyond the reference, only the topK best keys kept:
 * {@link AttentionForward}), and per group g the concatenation of its H/G heads' outputs with its in_ block.
 * Monolithic is G = 1 (H heads, one in_ block); the modular kinds are G = R modules of 2 heads each.
 */
public final class SelfAttention {
    private final Backend backend;
    private final int rep;
    private final int heads;       // H
    private final int headDim;     // hd
    private final int groups;      // G
    private final int topK;        // Integer.MAX_VALUE: dense, the reference
    private final float scale;     // hd^-0.5, as the reference's scaling
    private final Linear query;    // prefix.query_net: (rep, rows, dim) -> (rep, rows, H hd)
    private final Linear key;      // prefix.key_net
    private final Linear value;    // prefix.value_net
    private final Linear self;     // prefix.in_: (rep, rows, dim) -> (rep, rows, G hd)
    private final FloatBuf attended;     // attended is (rep, rows, H hd): the heads' outputs
    private final FloatBuf gradAttended; // (rep, rows, H hd)
    private final IntBuf kept;           // kept is (rep, seqs, H, length, K): each query's kept keys
    private final FloatBuf weight;       // weight is (rep, seqs, H, length, K): their softmax weights
    private final FloatBuf gradScore;    // (rep, seqs, H, length, K): the backward's scratch
    private final FloatBuf joined;       // joined is (rep, rows, G, (H/G + 1) hd): [heads of g, in_ of g] per group
    private final FloatBuf gradJoined;   // (rep, rows, G, (H/G + 1) hd), filled by the caller before backward
    private AttentionForward attend;           // the fused attention at the last forward's shape
    private AttentionBackward attendBackward; // and its backward
    private CopyPair join;          // attended and in_'s output into joined, at that shape
    private CopyPair split;         // gradJoined back into gradAttended and in_'s gradOutput
    private final JointProducts projections = new JointProducts(); // query, key, value and in_ of x, one op

    /**
     * Sequences of up to maxLength tokens, up to maxRows tokens per replica; topK keys kept per query
     * (Integer.MAX_VALUE: all, the reference's dense attention).
     */
    public SelfAttention(Workspace ws, String prefix, int dim, int heads, int headDim, int groups, int topK,
                         int maxRows, int maxLength) {
        if (heads % groups != 0) throw new IllegalArgumentException(heads + " heads do not split into " + groups + " groups");
        this.backend = ws.backend();
        this.rep = ws.rep();
        this.heads = heads;
        this.headDim = headDim;
        this.groups = groups;
        this.topK = topK;
        this.scale = (float) Math.pow(headDim, -0.5);
        int width = heads * headDim;
        this.query = new Linear(ws, prefix + ".query_net", dim, width, maxRows, false);
        this.key = new Linear(ws, prefix + ".key_net", dim, width, maxRows, false);
        this.value = new Linear(ws, prefix + ".value_net", dim, width, maxRows, false);
        this.self = new Linear(ws, prefix + ".in_", dim, groups * headDim, maxRows, false);
        long keptPerReplica = (long) maxRows * heads * Math.max(1, AttentionShape.keptKeys(topK, maxLength));
        this.attended = ws.floats((long) maxRows * width);
        this.gradAttended = ws.floats((long) maxRows * width);
        this.kept = ws.ints(keptPerReplica);
        this.weight = ws.floats(keptPerReplica);
        this.gradScore = ws.floats(keptPerReplica);
        this.joined = ws.floats((long) maxRows * outputWidth());
        this.gradJoined = ws.floats((long) maxRows * outputWidth());
    }

    /** Floats per token of {@link #output()}: G (H/G + 1) hd. */
    public int outputWidth() {
        return (heads + groups) * headDim;
    }

    public void init(float[] replicaValues, FastRandom rng) {
        query.init(replicaValues, rng);
        key.init(replicaValues, rng);
        value.init(replicaValues, rng);
        self.init(replicaValues, rng);
    }

    /** x is (rep, rows, dim): sequences of length tokens each; the result is in {@link #output()}. */
    public void forward(FloatBuf x, int rows, int length) {
        backend.run(projections.of(query.forwardProduct(x, rows), key.forwardProduct(x, rows),
                value.forwardProduct(x, rows), self.forwardProduct(x, rows)));
        int seqs = rep * rows / length;
        if (attend == null || attend.shape().seqs() != seqs || attend.shape().length() != length) {
            attend = null;
            attend = new AttentionForward(seqs, length, heads, headDim, topK, scale, query.output(), key.output(),
                    value.output(), attended, kept, weight);
            attendBackward = new AttentionBackward(seqs, length, heads, headDim, topK, scale, query.output(),
                    key.output(), value.output(), kept, weight, gradAttended, gradScore, query.gradOutput(),
                    key.gradOutput(), value.gradOutput());
            int groupRows = rep * rows * groups;
            int block = heads / groups * headDim; // one group's heads
            int ld = block + headDim;
            // joined[:, g] = [attended[:, g] (block), in_[:, g] (hd)], over rep * rows * G group rows, and back
            Mat headsPart = new Mat("joined", joined, 0, 1, 0, groupRows, block, ld);
            Mat selfPart = new Mat("joined", joined, block, 1, 0, groupRows, headDim, ld);
            Mat gradHeadsPart = new Mat("gradJoined", gradJoined, 0, 1, 0, groupRows, block, ld);
            Mat gradSelfPart = new Mat("gradJoined", gradJoined, block, 1, 0, groupRows, headDim, ld);
            join = new CopyPair(CopyBlocks.copy(Mat.of("attended", attended, 0, groupRows, block), headsPart),
                    CopyBlocks.copy(Mat.of("in_", self.output(), 0, groupRows, headDim), selfPart));
            split = new CopyPair(CopyBlocks.copy(gradHeadsPart, Mat.of("gradAttended", gradAttended, 0, groupRows, block)),
                    CopyBlocks.copy(gradSelfPart, Mat.of("grad in_", self.gradOutput(), 0, groupRows, headDim)));
        }
        backend.run(attend);
        backend.run(join);
    }

    /** Back-propagates {@link #gradJoined()} into the parameters and writes the input gradient (rep, rows, dim). */
    public void backward(FloatBuf gradInput) {
        backend.run(split);
        backend.run(attendBackward);
        query.backward(gradInput, false);
        key.backward(gradInput, true);
        value.backward(gradInput, true);
        self.backward(gradInput, true);
    }

    /** (rep, rows, G, (H/G + 1) hd). */
    public FloatBuf output() {
        return joined;
    }

    public FloatBuf gradJoined() {
        return gradJoined;
    }

    /** query_net, key_net, value_net, in_ (the reference's order). */
    public List<Param> params() {
        List<Param> params = new ArrayList<>();
        for (Linear layer : List.of(query, key, value, self)) params.addAll(layer.params());
        return params;
    }
}
