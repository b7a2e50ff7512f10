package modarch.nn;

import java.util.function.BiConsumer;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.task.FastRandom;

/** Host views of a {@link ParamArena} for tests: initialisation per replica and one tensor's values. */
public final class TestParams {
    private TestParams() {
    }

    /**
     * Allocates the arena and initialises replica r with {@code init(values, new FastRandom(seed0 + r))},
     * each replica from its own seed, then uploads it.
     */
    public static void allocateAndInit(ParamArena arena, long seed0, BiConsumer<float[], FastRandom> init) {
        arena.allocate();
        for (int r = 0; r < arena.rep(); r++) {
            float[] values = new float[arena.replicaStride()];
            init.accept(values, new FastRandom(seed0 + r));
            arena.upload(values, arena.data(), r);
        }
    }

    /** p's values in one of the arena's buffers, every replica: (rep, p.size()). */
    public static float[] values(Backend backend, ParamArena arena, FloatBuf buffer, Param p) {
        float[] out = new float[arena.rep() * p.size()];
        for (int r = 0; r < arena.rep(); r++) backend.download(buffer, p.offset(r), out, r * p.size(), p.size());
        return out;
    }

    /** p's gradient, every replica: (rep, p.size()). */
    public static float[] grad(Backend backend, ParamArena arena, Param p) {
        return values(backend, arena, arena.grad(), p);
    }
}
