package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.task.FastRandom;

/** What every router holds: its scores (rep, rows, R); by default no parameters and no context gradient. */
abstract class AbstractRouter implements Router {
    protected final Backend backend;
    protected final int rep;
    protected final int modules;
    protected final FloatBuf scores; // scores is (rep, rows, R)

    AbstractRouter(Workspace ws, int modules, int maxRows) {
        this.backend = ws.backend();
        this.rep = ws.rep();
        this.modules = modules;
        this.scores = ws.floats((long) maxRows * modules);
    }

    @Override
    public void init(float[] replicaValues, FastRandom rng) {
        // no parameters
    }

    @Override
    public FloatBuf gradRuleContext() {
        return null;
    }

    @Override
    public List<Param> params() {
        return List.of();
    }

    @Override
    public FloatBuf scores() {
        return scores;
    }
}
