package modarch.model;

import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.nn.Linear;
import modarch.nn.ModuleMlp;
import modarch.nn.Param;
import modarch.nn.ParamArena;
import modarch.nn.Workspace;
import modarch.task.FastRandom;

/**
 * What every family's model shares: a workspace of rep replicas, its layers' parameters in the reference's order,
 * a last Linear whose output is the prediction, and routed modules (null for Monolithic) whose router holds the
 * scores. A subclass builds its layers in its constructor, then calls {@link #built}; one whose predictions or
 * scores live elsewhere (the RNN's, reordered) overrides their getters.
 */
abstract class LayeredModel implements Model {
    protected final Workspace ws;
    protected final Backend backend;
    protected final int rep;
    protected final int rules;
    private List<Param> params;
    private Linear last;      // (rep, rows, outputs): the predictions
    private ModuleMlp routed; // null for Monolithic

    LayeredModel(Backend backend, int rep, ModelSpec spec) {
        this.ws = new Workspace(backend, rep, spec.precision());
        this.backend = backend;
        this.rep = rep;
        this.rules = spec.rules();
    }

    /** Records the model's parameters (in the reference's state_dict order), last layer and modules; allocates them. */
    protected final void built(List<Param> inOrder, Linear lastLayer, ModuleMlp modules) {
        this.params = List.copyOf(inOrder);
        this.last = lastLayer;
        this.routed = modules;
        ws.params().allocate();
    }

    /**
     * PyTorch-default initialisation of replica r from its own seed: {@link #initValues} fills one replica's block,
     * drawing from one stream in the reference's order, and the block is uploaded.
     */
    @Override
    public final void init(int r, long seed) {
        float[] values = new float[ws.params().replicaStride()];
        initValues(values, new FastRandom(seed));
        ws.params().upload(values, ws.params().data(), r);
    }

    /** Fills one replica's parameter values (replica-block layout), every layer in the reference's order. */
    protected abstract void initValues(float[] values, FastRandom rng);

    @Override
    public FloatBuf predictions() {
        return last.output();
    }

    @Override
    public FloatBuf gradPredictions() {
        return last.gradOutput();
    }

    @Override
    public boolean routed() {
        return routed != null;
    }

    @Override
    public FloatBuf scores() {
        return routed == null ? null : routed.router().scores();
    }

    @Override
    public FloatBuf regularizerTerms() {
        return routed == null ? null : routed.router().regularizerTerms();
    }

    @Override
    public final List<Param> params() {
        return params;
    }

    @Override
    public final ParamArena arena() {
        return ws.params();
    }

    @Override
    public final int rep() {
        return rep;
    }

    @Override
    public final int rules() {
        return rules;
    }

    @Override
    public final void close() {
        ws.close();
    }
}
