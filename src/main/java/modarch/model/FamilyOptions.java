package modarch.model;

/**
 * The options only some families have: the MHA family's attention width att_dim, search version, training sequence
 * length and kept keys per query (0: dense, the reference). {@link #NONE} for the MLP family.
 */
public record FamilyOptions(int attDim, int searchVersion, int seqLen, int attentionTopK) {
    /** The MLP family: no attention, examples of one row. */
    public static final FamilyOptions NONE = new FamilyOptions(0, 0, 1, 0);

    /** The MHA family's defaults (the reference's main.py): att_dim 512, search version 1, length 10, dense. */
    public static final FamilyOptions MHA_DEFAULTS = new FamilyOptions(512, 1, 10, 0);
}
