package modarch.model.rnn;

import java.util.List;
import modarch.UserError;
import modarch.backend.Backend;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.Model;
import modarch.model.ModelSpec;
import modarch.model.OptionField;
import modarch.model.OptionValues;
import modarch.model.RnnModel;
import modarch.model.RunOption;
import modarch.model.RunOption.Type;
import modarch.model.SharedOptions;

/**
 * The RNN family: sequences of a rule-switching linear system; encoder width and LSTM width h_dim (128 each), the
 * paper's state dimension d = 32 (the reference's main.py has d = 1), order 1, length 10; gradients clipped at norm
 * 1; 500k iterations.
 */
public final class RnnFamily extends Family {
    public static final RunOption H_DIM = RunOption.of("h_dim", Type.INT, "<hDim>",
            "rnn tasks: the LSTM width; the modular kinds' R LSTMs get the reference's parameter-matched width"
                    + " (default 128)");
    public static final RunOption D_DIM = RunOption.of("d_dim", Type.INT, "<dDim>",
            "rnn tasks: state dimension d (default 32)");
    public static final RunOption ORDER = RunOption.of("order", Type.INT, "<order>",
            "rnn tasks: how many past states each state depends on (default 1)");

    static final List<OptionField<RnnOptions>> FIELDS = List.of(
            new OptionField<>(SharedOptions.ENC_DIM, RnnOptions::encDim),
            new OptionField<>(H_DIM, RnnOptions::hDim),
            new OptionField<>(D_DIM, RnnOptions::dDim),
            new OptionField<>(ORDER, RnnOptions::order),
            new OptionField<>(SharedOptions.SEQ_LEN, RnnOptions::seqLen));

    public static final RnnFamily INSTANCE = new RnnFamily();

    private RnnFamily() {
        super("rnn", OptionField.options(FIELDS), List.of(SharedOptions.ENC_DIM, H_DIM),
                new RnnOptions(128, 128, 32, 1, 10), 1f, 500_000);
    }

    @Override
    public FamilyOptions options(OptionValues values) {
        return new RnnOptions(values.i(SharedOptions.ENC_DIM), values.i(H_DIM), values.i(D_DIM), values.i(ORDER),
                values.i(SharedOptions.SEQ_LEN));
    }

    @Override
    public Model newModel(Backend backend, int rep, ModelSpec spec, int maxRows) {
        return new RnnModel(backend, rep, spec, maxRows);
    }

    @Override
    public String refusal(RunOption option, Number value, String task) {
        String refusal = super.refusal(option, value, task);
        return option.equals(SharedOptions.DIM) ? refusal + ": the rnn tasks' LSTM width is --h-dim" : refusal;
    }

    @Override
    public void checkRouterTopK(int k) {
        throw new UserError("--router-topk is not available for the rnn tasks (their modules are one fused LSTM step);"
                + " use an mlp or mha task");
    }
}
