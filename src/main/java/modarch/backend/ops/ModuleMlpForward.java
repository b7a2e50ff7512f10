package modarch.backend.ops;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Composite;
import modarch.backend.FloatBuf;
import modarch.backend.Op;
import modarch.backend.cuda.Gpu;

/**
 * A dense module MLP forward ({@link DenseModules}): x (rep, rows, in) or (rep, rows, R, in) to h = relu(x w1 + b1)
 * and scaledHidden = scores * h (rep, rows, RH), then output (rep, rows, dim) = scaledHidden w2[:, :dim] +
 * scores b2[:, :dim]. logits null: the scores (rep, rows, R) are given; else the modules score themselves, logits[m] =
 * h_m w2_m[:, dim] + b2[m][dim], and scores = softmax(logits).
 * <p>Its parts, the caller's ops in that order (prepare, the packing of a shared input's weights into w1 or null,
 * first), are the CPU's. On the GPU, where {@link DenseModules#fused} takes the shape, prepare then module_mlp.cu's
 * module_mlp_forward, one launch for every row; any other shape launches its parts.
 */
public final class ModuleMlpForward implements Composite {
    private final DenseModules modules;
    private final FloatBuf x;            // x is (rep, rows, in) or (rep, rows, R, in)
    private final FloatBuf h;            // h is (rep, rows, RH)
    private final FloatBuf scaledHidden; // (rep, rows, RH)
    private final FloatBuf logits;       // (rep, rows, R); null: the scores are given
    private final FloatBuf scores;       // (rep, rows, R)
    private final FloatBuf output;       // (rep, rows, dim)
    private final Op prepare;            // null: none
    private final List<Op> parts;        // prepare, then the rest

    public ModuleMlpForward(DenseModules modules, FloatBuf x, FloatBuf h, FloatBuf scaledHidden, FloatBuf logits,
                            FloatBuf scores, FloatBuf output, Op prepare, List<Op> rest) {
        this.modules = modules;
        this.x = x;
        this.h = h;
        this.scaledHidden = scaledHidden;
        this.logits = logits;
        this.scores = scores;
        this.output = output;
        this.prepare = prepare;
        List<Op> parts = new ArrayList<>();
        if (prepare != null) parts.add(prepare);
        parts.addAll(rest);
        this.parts = List.copyOf(parts);
    }

    @Override
    public List<Op> parts() {
        return parts;
    }

    @Override
    public void launch(Gpu gpu) {
        if (!modules.fused()) {
            for (int i = 0; i < parts.size(); i++) parts.get(i).launch(gpu);
            return;
        }
        if (prepare != null) prepare.launch(gpu);
        int rh = modules.hiddenWidth(), r = modules.modules();
        modules.launch(gpu, "module_mlp_forward", modules.args(gpu)
                .ptr(gpu.at(modules.perRow("x", x, modules.inputWidth())))
                .ptr(gpu.at(modules.perRow("h", h, rh))).ptr(gpu.at(modules.perRow("scaledHidden", scaledHidden, rh)))
                .ptr(gpu.at(modules.perRow("logits", logits, r))).ptr(gpu.at(modules.perRow("scores", scores, r)))
                .ptr(gpu.at(modules.perRow("output", output, modules.dim()))));
    }
}
