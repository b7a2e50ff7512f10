package modarch.backend.ops;

import java.util.List;
import modarch.backend.FloatBuf;
import modarch.backend.Op;
import modarch.backend.cuda.Gpu;

/**
 * A dense module MLP forward ({@link DenseModules}): x (rep, rows, in) or (rep, rows, R, in) to h = relu(x w1 + b1)
 * and scaledHidden = scores * h (rep, rows, RH), then output (rep, rows, dim) = scaledHidden w2[:, :dim] +
 * scores b2[:, :dim]. logits null: the scores (rep, rows, R) are given; else the modules score themselves, logits[m] =
 * h_m w2_m[:, dim] + b2[m][dim], and scores = softmax(logits).
 * <p>Its parts, the caller's ops in that order, are the CPU's. On the GPU, where {@link DenseModules#fused} takes the
 * shape, module_mlp.cu's module_mlp_forward, one launch for every row: it reads w1 as the parameter, so a shared input's
 * packed copy of it, the parts' scratch, is not written; any other shape launches its parts.
 */
public record ModuleMlpForward(DenseModules modules, FloatBuf x, FloatBuf h, FloatBuf scaledHidden, FloatBuf logits,
                               FloatBuf scores, FloatBuf output, List<Op> parts) implements DenseModulesOp {
    public ModuleMlpForward {
        parts = List.copyOf(parts);
    }

    @Override
    public void launchFused(Gpu gpu) {
        int rh = modules.hiddenWidth(), r = modules.modules();
        modules.launch(gpu, "module_mlp_forward", modules.args(gpu)
                .ptr(gpu.at(modules.perRow("x", x, modules.inputWidth())))
                .ptr(gpu.at(modules.perRow("h", h, rh))).ptr(gpu.at(modules.perRow("scaledHidden", scaledHidden, rh)))
                .ptr(gpu.at(modules.perRow("logits", logits, r))).ptr(gpu.at(modules.perRow("scores", scores, r)))
                .ptr(gpu.at(modules.perRow("output", output, modules.dim()))));
    }
}
