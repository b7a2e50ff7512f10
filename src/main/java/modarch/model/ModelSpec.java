package modarch.model;

/**
 * The shape of a model: its kind, rule (module) count and the family's widths (MLP: encoder E and model D; MHA:
 * model dim and attention att_dim), the attention's kept keys per query (MHA; 0 for dense), the task's input
 * floats per row (features, without the one-hot rule) and the longest sequence it is run on.
 */
public record ModelSpec(ModelKind kind, int rules, int encDim, int dim, int attDim, int attentionTopK,
                        int inputWidth, int maxLength) {

    /** An MLP-family shape: rows of [a, b], length 1. */
    public ModelSpec(ModelKind kind, int rules, int encDim, int dim) {
        this(kind, rules, encDim, dim, 0, 0, 2, 1);
    }

    /** The kept keys per query as the attention op takes them: all (Integer.MAX_VALUE) when dense. */
    public int keptKeysOrAll() {
        return attentionTopK == 0 ? Integer.MAX_VALUE : attentionTopK;
    }
}
