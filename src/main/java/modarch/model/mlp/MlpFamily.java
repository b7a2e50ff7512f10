package modarch.model.mlp;

import java.util.List;
import modarch.backend.Backend;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.MlpModel;
import modarch.model.Model;
import modarch.model.ModelSpec;
import modarch.model.OptionField;
import modarch.model.OptionValues;
import modarch.model.SharedOptions;

/** The MLP family: examples of one row [a, b]; encoder width E and model width D, 32 and 128; 100k iterations. */
public final class MlpFamily extends Family {
    static final List<OptionField<MlpOptions>> FIELDS = List.of(
            new OptionField<>(SharedOptions.ENC_DIM, MlpOptions::encDim),
            new OptionField<>(SharedOptions.DIM, MlpOptions::dim));

    public static final MlpFamily INSTANCE = new MlpFamily();

    private MlpFamily() {
        super("mlp", OptionField.options(FIELDS), List.of(SharedOptions.ENC_DIM, SharedOptions.DIM),
                new MlpOptions(32, 128), 0f, 100_000);
    }

    @Override
    public FamilyOptions options(OptionValues values) {
        return new MlpOptions(values.i(SharedOptions.ENC_DIM), values.i(SharedOptions.DIM));
    }

    @Override
    public Model newModel(Backend backend, int rep, ModelSpec spec, int maxRows) {
        return new MlpModel(backend, rep, spec, maxRows);
    }
}
