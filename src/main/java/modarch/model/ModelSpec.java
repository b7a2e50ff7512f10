package modarch.model;

import modarch.backend.Precision;
import modarch.nn.RouterRegularization;

/**
 * The shape of a model: its kind, rule (module) count and the family's widths (MLP: encoder E and model D; MHA:
 * model dim and attention att_dim; RNN: encoder enc_dim and LSTM h_dim), the attention's kept keys per query (MHA;
 * 0 for dense), the task's input floats per row (features, without the one-hot rule), its label floats per row,
 * the sequence length it trains at and the longest sequence it is run on; the routing regularisers' weights (none
 * in the paper's recipe), the modules each row is routed to (routerTopK; 0 for the paper's dense routing) and the
 * arithmetic of its matrix products (FP32 in the paper's recipe).
 */
public record ModelSpec(ModelKind kind, int rules, int encDim, int dim, int attDim, int attentionTopK,
                        int inputWidth, int outputWidth, int trainLength, int maxLength,
                        RouterRegularization regularization, int routerTopK, Precision precision) {

    /** A shape with the paper's routing (no regulariser). */
    public ModelSpec(ModelKind kind, int rules, int encDim, int dim, int attDim, int attentionTopK, int inputWidth,
                     int outputWidth, int trainLength, int maxLength) {
        this(kind, rules, encDim, dim, attDim, attentionTopK, inputWidth, outputWidth, trainLength, maxLength,
                RouterRegularization.NONE, 0, Precision.FP32);
    }

    /** The same shape with the routing regularisers of the given weights. */
    public ModelSpec withRegularization(RouterRegularization weights) {
        return new ModelSpec(kind, rules, encDim, dim, attDim, attentionTopK, inputWidth, outputWidth, trainLength,
                maxLength, weights, routerTopK, precision);
    }

    /** The same shape routing each row to its top k modules (0: dense). */
    public ModelSpec withRouterTopK(int k) {
        return new ModelSpec(kind, rules, encDim, dim, attDim, attentionTopK, inputWidth, outputWidth, trainLength,
                maxLength, regularization, k, precision);
    }

    /** The same shape with its products in the given arithmetic. */
    public ModelSpec withPrecision(Precision p) {
        return new ModelSpec(kind, rules, encDim, dim, attDim, attentionTopK, inputWidth, outputWidth, trainLength,
                maxLength, regularization, routerTopK, p);
    }

    /** An MLP-family shape: rows of [a, b], one output, length 1. */
    public ModelSpec(ModelKind kind, int rules, int encDim, int dim) {
        this(kind, rules, encDim, dim, 0, 0, 2, 1, 1, 1);
    }

    /** An MHA-family shape: one output per token, sequences of up to maxLength tokens (trainLength unused: maxLength). */
    public ModelSpec(ModelKind kind, int rules, int encDim, int dim, int attDim, int attentionTopK, int inputWidth,
                     int maxLength) {
        this(kind, rules, encDim, dim, attDim, attentionTopK, inputWidth, 1, maxLength, maxLength);
    }

    /** An RNN-family shape: d inputs and outputWidth outputs per step, trained at trainLength steps. */
    public static ModelSpec recurrent(ModelKind kind, int rules, int encDim, int hDim, int inputWidth, int outputWidth,
                                      int trainLength, int maxLength) {
        return new ModelSpec(kind, rules, encDim, hDim, 0, 0, inputWidth, outputWidth, trainLength, maxLength);
    }

    /** The kept keys per query as the attention op takes them: all (Integer.MAX_VALUE) when dense. */
    public int keptKeysOrAll() {
        return attentionTopK == 0 ? Integer.MAX_VALUE : attentionTopK;
    }
}
