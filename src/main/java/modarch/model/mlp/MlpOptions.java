package modarch.model.mlp;

import java.util.Map;
import modarch.Checks;
import modarch.UserError;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.model.OptionField;
import modarch.task.MlpTask;
import modarch.task.Task;

/** The MLP family's options: encoder width E (enc_dim) and model width D (dim; each module gets floor(D/R)). */
public record MlpOptions(int encDim, int dim) implements FamilyOptions {
    @Override
    public Family family() {
        return MlpFamily.INSTANCE;
    }

    @Override
    public Map<String, Object> values() {
        return OptionField.values(MlpFamily.FIELDS, this);
    }

    @Override
    public void check(ModelKind kind, int rules) {
        if (dim < rules) {
            throw new UserError("--dim " + dim + " is smaller than --rules " + rules
                    + ": each module gets floor(dim/rules) units, so dim must be >= rules");
        }
        Checks.positive("--enc-dim", encDim);
    }

    @Override
    public void checkTask(int maxLength) {
    }

    @Override
    public int trainLength() {
        return 1;
    }

    @Override
    public Task newTask(int rules, long dataSeed, boolean classification) {
        return new MlpTask(rules, dataSeed, classification);
    }

    @Override
    public ModelSpec modelSpec(ModelKind kind, int rules, int inputWidth, int outputWidth, int trainLength,
                               int maxLength) {
        return new ModelSpec(kind, rules, encDim, dim, 0, 0, inputWidth, outputWidth, trainLength, maxLength);
    }

    @Override
    public String title() {
        return "";
    }

    @Override
    public String slug() {
        return "";
    }
}
