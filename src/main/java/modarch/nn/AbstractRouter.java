package modarch.nn;

import java.util.List;
import modarch.backend.Backend;

/** What every router holds: its scores (rep, rows, R); by default no parameters and no context gradient. */
abstract class AbstractRouter implements Router {
    protected final Backend backend;
    protected final int rep;
    protected final int modules;
    protected final float[] scores; // scores is (rep, rows, R)

    AbstractRouter(Backend backend, int rep, int modules, int maxRows) {
        this.backend = backend;
        this.rep = rep;
        this.modules = modules;
        this.scores = new float[rep * maxRows * modules];
    }

    @Override
    public float[] gradRuleContext() {
        return null;
    }

    @Override
    public List<Param> params() {
        return List.of();
    }

    @Override
    public float[] scores() {
        return scores;
    }
}
