package modarch.backend.cuda;

import static modarch.backend.cuda.KernelAgreement.gaussian;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.nn.GroundTruthRouter;
import modarch.nn.ModuleMlp;
import modarch.nn.OpRouter;
import modarch.nn.Param;
import modarch.nn.Router;
import modarch.nn.SelfScoreRouter;
import modarch.nn.TestParams;
import modarch.nn.Workspace;

/**
 * One forward and backward of a dense {@link ModuleMlp} of two replicas on random inputs and output gradient (from
 * seed), every result by name: the output, scores, input and rule-context gradients, and every parameter's gradient.
 * Two backends given the same arguments start from the same values.
 */
final class ModuleMlpPass {
    static final int REP = 2;
    private static final int CONTEXT = 5; // the Modular-op scorer's rule context, Linear(5, R)

    private ModuleMlpPass() {
    }

    /**
     * routing: "self" (the modules' own score units), "op" (a scorer on the rule context) or "gt" (the rules);
     * inputGradient: whether the backward computes the input's gradient.
     */
    static Map<String, float[]> run(Backend backend, String routing, int modules, int in, int dim, int rows,
                                    boolean sharedInput, boolean inputGradient, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int inputWidth = sharedInput ? in : modules * in;
        float[] x = gaussian(rnd, REP * rows * inputWidth), context = gaussian(rnd, REP * rows * CONTEXT);
        float[] gradOutput = gaussian(rnd, REP * rows * dim);
        int[] rules = new int[REP * rows];
        for (int i = 0; i < rules.length; i++) rules[i] = rnd.nextInt(modules);
        Map<String, float[]> out = new LinkedHashMap<>();
        try (Workspace ws = new Workspace(backend, REP);
             FloatBuf xs = TestBuffers.of(backend, x); FloatBuf contexts = TestBuffers.of(backend, context);
             IntBuf ruleBuf = TestBuffers.ofInts(backend, rules);
             FloatBuf gradInput = backend.allocFloats(REP * rows * inputWidth)) {
            Router router = switch (routing) {
                case "self" -> new SelfScoreRouter(ws, modules, rows);
                case "op" -> new OpRouter(ws, "scorer", CONTEXT, 0, modules, rows, true, true);
                case "gt" -> new GroundTruthRouter(ws, modules, rows);
                default -> throw new IllegalArgumentException(routing);
            };
            ModuleMlp mlp = new ModuleMlp(ws, "MLP", modules, in, dim / modules, dim, rows, sharedInput, router);
            TestParams.allocateAndInit(ws.params(), seed, mlp::init);
            mlp.forward(xs, contexts, ruleBuf, rows);
            backend.upload(gradOutput, 0, mlp.gradOutput(), 0, gradOutput.length);
            mlp.backward(inputGradient ? gradInput : null);
            out.put("output", TestBuffers.read(backend, mlp.output()));
            out.put("scores", TestBuffers.read(backend, mlp.router().scores()));
            if (inputGradient) out.put("gradInput", TestBuffers.read(backend, gradInput));
            if (mlp.gradRuleContext() != null) out.put("gradRuleContext", TestBuffers.read(backend, mlp.gradRuleContext()));
            for (Param p : mlp.params()) out.put(p.name() + ".grad", TestParams.grad(backend, ws.params(), p));
        }
        return out;
    }
}
