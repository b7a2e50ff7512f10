package modarch.model;

import java.util.List;
import modarch.backend.FloatBuf;
import modarch.nn.Param;
import modarch.nn.ParamArena;
import modarch.task.Batch;

/**
 * A model of any family, all replicas at once: parameters in one arena, forward on a batch, backward from
 * the gradient of its predictions, and its predictions and routing scores as backend buffers.
 */
public interface Model extends AutoCloseable {

    /** Replicas trained side by side. */
    int rep();

    int rules();

    /** Parameters in the reference's state_dict order. */
    List<Param> params();

    ParamArena arena();

    /** Trainable values of one replica, as the reference counts them. */
    default long parameterCount() {
        long n = 0;
        for (Param p : params()) n += p.size();
        return n;
    }

    /** PyTorch-default initialisation of replica r from its own seed. */
    void init(int replica, long seed);

    /** Predictions of every row of the batch into {@link #predictions()} (and routing scores, when routed). */
    void forward(Batch batch);

    /** Back-propagates {@link #gradPredictions()} into the arena's gradients (accumulating). */
    void backward();

    /** (rep, rows, outputs) of the last forward: values, or logits for classification. */
    FloatBuf predictions();

    /** Where the loss writes its gradient before {@link #backward()}: shaped as {@link #predictions()}. */
    FloatBuf gradPredictions();

    /** True for the kinds that route over modules (every kind but Monolithic). */
    boolean routed();

    /** Computes only the routing scores of a routed model, skipping what they do not depend on. */
    void forwardScores(Batch batch);

    /** Routing scores (rep, rows, R) of the last forward or {@link #forwardScores}; null when not routed. */
    FloatBuf scores();

    /**
     * The routing regularisers' unweighted terms of the last forward, (rep, 3): load balance, router z-loss, mutual
     * information; null when the model's routing is not regularised.
     */
    FloatBuf regularizerTerms();

    @Override
    void close();
}
