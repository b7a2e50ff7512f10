package modarch.model;

import modarch.model.RunOption.Type;

/** The options several families have, declared once for all of them (each family binds the ones it has). */
public final class SharedOptions {
    /** The longest sequence the attention op takes (its kernel's shared-memory bound), and the RNN's training bound. */
    public static final int MAX_SEQ_LEN = 256;

    public static final RunOption ENC_DIM = RunOption.of("enc_dim", Type.INT, "<encDim>",
            "mlp tasks: encoder width E (default 32); rnn tasks: encoder width (default 128)");
    public static final RunOption DIM = new RunOption("dim", Type.INT, "<dim>", "128",
            "model width: mlp D (each module gets floor(D/R)); mha the token width (default ${DEFAULT-VALUE})");
    public static final RunOption SEQ_LEN = RunOption.of("seq_len", Type.INT, "<seqLen>",
            "mha and rnn tasks: training sequence length, 2.." + MAX_SEQ_LEN + " (rnn: 1..) (default 10; evaluated at"
                    + " 3, 5, 10, 20, 30, or at 10..50 when not 10)");

    private SharedOptions() {
    }
}
