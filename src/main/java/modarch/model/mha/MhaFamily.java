package modarch.model.mha;

import java.util.List;
import modarch.backend.Backend;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.MhaModel;
import modarch.model.Model;
import modarch.model.ModelSpec;
import modarch.model.OptionField;
import modarch.model.OptionValues;
import modarch.model.RunOption;
import modarch.model.RunOption.Type;
import modarch.model.SharedOptions;

/**
 * The MHA family: sequences whose tokens search each other; token width dim and attention width att_dim (128 and
 * 512), search version 1, length 10, dense attention (the reference's main.py); 500k iterations.
 */
public final class MhaFamily extends Family {
    public static final RunOption ATT_DIM = RunOption.of("att_dim", Type.INT, "<attDim>",
            "mha tasks: attention width; 2R heads of att-dim/(2R) (default 512)");
    public static final RunOption SEARCH_VERSION = RunOption.of("search_version", Type.INT, "<searchVersion>",
            "mha tasks: 1 (nearest scalar) or 2 (largest dot product of unit 2-D vectors) (default 1)");
    public static final RunOption ATTENTION_TOPK = RunOption.of("attention_topk", Type.INT, "<attentionTopK>",
            "mha tasks: keys kept per query before the softmax (default: all, the reference's dense attention; 1 is"
                    + " hard retrieval)");

    static final List<OptionField<MhaOptions>> FIELDS = List.of(
            new OptionField<>(SharedOptions.DIM, MhaOptions::dim),
            new OptionField<>(ATT_DIM, MhaOptions::attDim),
            new OptionField<>(SEARCH_VERSION, MhaOptions::searchVersion),
            new OptionField<>(SharedOptions.SEQ_LEN, MhaOptions::seqLen),
            new OptionField<>(ATTENTION_TOPK, MhaOptions::attentionTopK));

    public static final MhaFamily INSTANCE = new MhaFamily();

    private MhaFamily() {
        super("mha", OptionField.options(FIELDS), List.of(SharedOptions.DIM, ATT_DIM), new MhaOptions(128, 512, 1, 10, 0),
                0f, 500_000);
    }

    @Override
    public FamilyOptions options(OptionValues values) {
        return new MhaOptions(values.i(SharedOptions.DIM), values.i(ATT_DIM), values.i(SEARCH_VERSION),
                values.i(SharedOptions.SEQ_LEN), values.i(ATTENTION_TOPK));
    }

    @Override
    public Model newModel(Backend backend, int rep, ModelSpec spec, int maxRows) {
        return new MhaModel(backend, rep, spec, maxRows);
    }

    /** --enc-dim 0 says the MHA family has no encoder width of its own, and is taken; any other width is refused. */
    @Override
    public String refusal(RunOption option, Number value, String task) {
        if (option.equals(SharedOptions.ENC_DIM)) {
            return value.intValue() == 0 ? null : "--enc-dim applies to the mlp tasks; the mha tasks' encoder is --dim wide";
        }
        return super.refusal(option, value, task);
    }
}
