package modarch.model;

/**
 * The options only some families have: the MHA family's attention width att_dim, search version and kept keys per
 * query (0: dense, the reference); the RNN family's state dimension d and order; the training sequence length of
 * both. {@link #NONE} for the MLP family.
 */
public record FamilyOptions(int attDim, int searchVersion, int seqLen, int attentionTopK, int dDim, int order) {
    /** The MLP family: no attention, no recurrence, examples of one row. */
    public static final FamilyOptions NONE = new FamilyOptions(0, 0, 1, 0, 0, 0);

    /** The MHA family's defaults (the reference's main.py): att_dim 512, search version 1, length 10, dense. */
    public static final FamilyOptions MHA_DEFAULTS = new FamilyOptions(512, 1, 10, 0);

    /** The RNN family's defaults: the paper's d = 32, order 1, length 10 (the reference's main.py has d = 1). */
    public static final FamilyOptions RNN_DEFAULTS = rnn(32, 1, 10);

    /** MHA-family options. */
    public FamilyOptions(int attDim, int searchVersion, int seqLen, int attentionTopK) {
        this(attDim, searchVersion, seqLen, attentionTopK, 0, 0);
    }

    /** RNN-family options. */
    public static FamilyOptions rnn(int dDim, int order, int seqLen) {
        return new FamilyOptions(0, 0, seqLen, 0, dDim, order);
    }
}
