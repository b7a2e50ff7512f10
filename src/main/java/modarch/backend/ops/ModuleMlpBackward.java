package modarch.backend.ops;

import java.util.List;
import modarch.backend.FloatBuf;
import modarch.backend.Op;
import modarch.backend.cuda.Gpu;

/**
 * A dense module MLP backward ({@link DenseModules}, after {@link ModuleMlpForward}), from gradOutput (rep, rows, dim):
 * gradScaledHidden = gradOutput w2[:, :dim]^T; gradScores (null: none) = gradOutput b2[:, :dim]^T plus each module's
 * h_m . gradScaledHidden_m; where the modules score themselves, gradLogits (null: not) = the softmax's backward of
 * gradScores; gradH = scores * gradScaledHidden (+ gradLogits w2[:, dim]^T), 0 where h is not positive; gradInput
 * (null: none) = gradH w1^T, summed over the modules of a shared input; then the weight gradients, products over the
 * rows.
 * <p>Its parts, the caller's ops in that order, are the CPU's. On the GPU, where {@link DenseModules#fused} takes the
 * shape, module_mlp.cu's module_mlp_backward (every row, one launch) writes the per-row gradients, then
 * weightGradients adds the weight gradients the parts add (a shared input's first layer module by module, straight
 * into its parameter's gradient: the parts' packed scratch is not written); any other shape launches its parts.
 */
public record ModuleMlpBackward(DenseModules modules, FloatBuf scores, FloatBuf h, FloatBuf gradOutput,
                                FloatBuf gradScaledHidden, FloatBuf gradScores, FloatBuf gradLogits, FloatBuf gradH,
                                FloatBuf gradInput, List<Op> parts, Gemms weightGradients)
        implements DenseModulesOp {
    public ModuleMlpBackward {
        parts = List.copyOf(parts);
        if (gradLogits != null && gradScores == null) {
            throw new IllegalArgumentException("a module MLP's gradLogits come from its gradScores: give both");
        }
    }

    @Override
    public void launchFused(Gpu gpu) {
        int rh = modules.hiddenWidth(), r = modules.modules();
        modules.launch(gpu, "module_mlp_backward", modules.args(gpu)
                .ptr(gpu.at(modules.perRow("scores", scores, r))).ptr(gpu.at(modules.perRow("h", h, rh)))
                .ptr(gpu.at(modules.perRow("gradOutput", gradOutput, modules.dim())))
                .ptr(gpu.at(modules.perRow("gradScaledHidden", gradScaledHidden, rh)))
                .ptr(gpu.at(modules.perRow("gradScores", gradScores, r)))
                .ptr(gpu.at(modules.perRow("gradLogits", gradLogits, r)))
                .ptr(gpu.at(modules.perRow("gradH", gradH, rh)))
                .ptr(gpu.at(modules.perRow("gradInput", gradInput, modules.inputWidth()))));
        weightGradients.launch(gpu);
    }
}
