package modarch.model;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.CopyPair;
import modarch.backend.ops.OneHot;
import modarch.nn.Core;
import modarch.nn.DenseCore;
import modarch.nn.GroundTruthRouter;
import modarch.nn.Linear;
import modarch.nn.ModuleMlp;
import modarch.nn.OpRouter;
import modarch.nn.Param;
import modarch.nn.Router;
import modarch.nn.SelfAttention;
import modarch.nn.SelfScoreRouter;
import modarch.nn.Workspace;
import modarch.task.Batch;
import modarch.task.FastRandom;

/**
 * The MHA-setting models of the reference (MHA/*&#47;model.py): per token an encoder Linear(F + R, dim) - ReLU -
 * Linear(dim, dim) of [features, one-hot rule], self-attention with 2R heads of hd = att_dim / 2R over each sequence
 * (diagonal masked), then per token a Monolithic output MLP Linear((2R + 1) hd, 2 dim) - ReLU - Linear(2 dim, dim),
 * or R routed modules, each reading its 2 heads and its own in_ block through GroupLinear(R, 3 hd, H) - ReLU -
 * GroupLinear(R, H, dim [+1]), and a decoder Linear(dim, dim) - ReLU - Linear(dim, 1). Parameter names, shapes and
 * the hidden width H are the reference's. Inputs are (rep, rows, F) token features; rows are sequences of
 * {@link Batch#length()} tokens.
 */
public final class MhaModel extends LayeredModel {
    /** Heads per module in the modular kinds, and per rule in Monolithic (the reference's README). */
    public static final int HEADS_PER_RULE = 2;

    private final int features;      // F: input floats per token
    private final Linear encoder1;   // encoder.0: (rep, rows, F + R) -> (rep, rows, dim), ReLU
    private final Linear encoder2;   // encoder.2: (rep, rows, dim) -> (rep, rows, dim)
    private final SelfAttention attention; // model.{query_net, key_net, value_net, in_}: -> (rep, rows, G, .)
    private final Core outProj;      // model.out_proj: -> (rep, rows, dim)
    private final ModuleMlp routed;  // outProj when routed; null for Monolithic
    private final Linear decoder1;   // decoder.0: (rep, rows, dim) -> (rep, rows, dim), ReLU
    private final Linear decoder2;   // decoder.2: (rep, rows, dim) -> (rep, rows, 1)
    private final FloatBuf oneHot;   // oneHot is (rep, rows, R)
    private OneHot ruleOneHot;       // the last batch's rules into oneHot
    private final FloatBuf tokens;   // tokens is (rep, rows, F + R): [features, one-hot rule]
    private CopyPair intoTokens;     // the last batch's features into the tokens' first F columns, oneHot into their last R
    private int rows;

    public MhaModel(Backend backend, int rep, ModelSpec spec, int maxRows) {
        super(backend, rep, spec);
        this.features = spec.inputWidth();
        int dim = spec.dim();
        int heads = HEADS_PER_RULE * rules;
        int headDim = headDim(spec.attDim(), rules);
        if (headDim < 1) {
            throw new IllegalArgumentException("att_dim " + spec.attDim() + " gives no head width for " + heads + " heads");
        }
        encoder1 = new Linear(ws, "encoder.0", features + rules, dim, maxRows, true);
        encoder2 = new Linear(ws, "encoder.2", dim, dim, maxRows, false);
        decoder1 = new Linear(ws, "decoder.0", dim, dim, maxRows, true);
        decoder2 = new Linear(ws, "decoder.2", dim, 1, maxRows, false);
        boolean monolithic = spec.kind() == ModelKind.MONOLITHIC;
        attention = new SelfAttention(ws, "model", dim, heads, headDim, monolithic ? 1 : rules, spec.keptKeysOrAll(),
                maxRows, spec.maxLength());
        if (monolithic) {
            routed = null;
            outProj = new DenseCore(ws, "model.out_proj", attention.outputWidth(), 2 * dim, dim, maxRows);
        } else {
            routed = new ModuleMlp(ws, "model.out_proj", rules, (HEADS_PER_RULE + 1) * headDim,
                    moduleHidden(dim, spec.attDim(), rules), dim, maxRows,
                    false, router(ws, spec, headDim, maxRows));
            outProj = routed;
        }
        oneHot = ws.floats((long) maxRows * rules);
        tokens = ws.floats((long) maxRows * (features + rules));
        built(collectParams(), decoder2, routed);
    }

    /** hd = att_dim // 2R, as the reference's head_dim for both Monolithic (2R heads) and the modular kinds. */
    public static int headDim(int attDim, int rules) {
        return attDim / (HEADS_PER_RULE * rules);
    }

    /**
     * The modules' hidden width, the reference's parameter-matching formula (Python's {@code int(num / denom)}):
     * num = 2 dim (R nh (att + dim) + att), denom = R (att (nh + 1) + R nh dim), nh = 2 heads per module. At least
     * 1 whenever att >= 2R and dim >= 1 (num / denom >= (R + 1) / R there).
     */
    public static int moduleHidden(int dim, int attDim, int rules) {
        long nh = HEADS_PER_RULE;
        long num = 2L * dim * (rules * nh * (attDim + (long) dim) + attDim);
        long denom = rules * (attDim * (nh + 1) + rules * nh * dim);
        return (int) ((double) num / (double) denom);
    }

    private static Router router(Workspace ws, ModelSpec spec, int headDim, int maxRows) {
        int rules = spec.rules();
        return switch (spec.kind()) {
            case MODULAR -> new SelfScoreRouter(ws, rules, maxRows, spec.regularization(), spec.routerTopK());
            case MODULAR_OP -> new OpRouter(ws, "model.scorer", rules, headDim, rules, maxRows, false, true,
                    spec.regularization(), spec.routerTopK());
            case GT_MODULAR -> new GroundTruthRouter(ws, rules, maxRows);
            case MONOLITHIC -> throw new IllegalStateException("Monolithic has no router");
        };
    }

    /** encoder, decoder, then model.*: query, key, value, in_, [scorer], out_proj (the reference's state_dict). */
    private List<Param> collectParams() {
        List<Param> all = new ArrayList<>();
        all.addAll(encoder1.params());
        all.addAll(encoder2.params());
        all.addAll(decoder1.params());
        all.addAll(decoder2.params());
        all.addAll(attention.params());
        if (routed == null) {
            all.addAll(outProj.params());
        } else {
            all.addAll(routed.router().params());
            all.addAll(routed.moduleParams());
        }
        return all;
    }

    @Override
    protected void initValues(float[] values, FastRandom rng) {
        encoder1.init(values, rng);
        encoder2.init(values, rng);
        decoder1.init(values, rng);
        decoder2.init(values, rng);
        attention.init(values, rng);
        outProj.init(values, rng);
    }

    @Override
    public void forward(Batch batch) {
        encode(batch);
        attention.forward(encoder2.output(), rows, batch.length());
        outProj.forward(attention.output(), oneHot, batch.rules(), rows);
        decoder1.forward(outProj.output(), rows);
        decoder2.forward(decoder1.output(), rows);
    }

    /**
     * Computes only the routing scores: the encoders and the attention only when the modules score themselves,
     * never the modules' outputs nor the decoder.
     */
    @Override
    public void forwardScores(Batch batch) {
        if (routed == null) throw new IllegalStateException("a Monolithic model has no routing scores");
        switch (routed.router().source()) {
            case MODULE_INPUT -> {
                encode(batch);
                attention.forward(encoder2.output(), rows, batch.length());
            }
            case RULE_CONTEXT -> oneHot(batch);
            case RULES -> rows = batch.rows();
        }
        routed.route(attention.output(), oneHot, batch.rules(), rows);
    }

    private void oneHot(Batch batch) {
        rows = batch.rows();
        ruleOneHot = OneHot.bind(ruleOneHot, batch.rules(), oneHot, rep * rows, rules);
        backend.run(ruleOneHot);
    }

    /** The encoder on tokens (rep, rows, F + R) = [features, one-hot rule]. */
    private void encode(Batch batch) {
        oneHot(batch);
        if (intoTokens == null || intoTokens.first().src().rows() != rep * rows
                || intoTokens.first().src().buf() != batch.inputs()) {
            intoTokens = null;
            int width = features + rules;
            intoTokens = new CopyPair(CopyBlocks.copy(Mat.of("inputs", batch.inputs(), 0, rep * rows, features),
                    new Mat("tokens", tokens, 0, 1, 0, rep * rows, features, width)),
                    CopyBlocks.copy(Mat.of("oneHot", oneHot, 0, rep * rows, rules),
                            new Mat("tokens", tokens, features, 1, 0, rep * rows, rules, width)));
        }
        backend.run(intoTokens);
        encoder1.forward(tokens, rows);
        encoder2.forward(encoder1.output(), rows);
    }

    @Override
    public void backward() {
        decoder2.backwardInto(decoder1);
        decoder1.backward(outProj.gradOutput(), false);
        outProj.backward(attention.gradJoined());
        attention.backward(encoder2.gradOutput());
        encoder2.backwardInto(encoder1);
        encoder1.backward(null, false);
    }

}
