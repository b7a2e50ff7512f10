package modarch.model.rnn;

import java.util.Map;
import modarch.Checks;
import modarch.UserError;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.model.OptionField;
import modarch.model.SharedOptions;
import modarch.nn.GroupLstmCell;
import modarch.task.RnnTask;
import modarch.task.Task;

/**
 * The RNN family's options: encoder width, LSTM width h_dim (the modular kinds' R LSTMs get the reference's
 * parameter-matched width), state dimension d, order and training sequence length.
 */
public record RnnOptions(int encDim, int hDim, int dDim, int order, int seqLen) implements FamilyOptions {
    @Override
    public Family family() {
        return RnnFamily.INSTANCE;
    }

    @Override
    public Map<String, Object> values() {
        return OptionField.values(RnnFamily.FIELDS, this);
    }

    @Override
    public void check(ModelKind kind, int rules) {
        Checks.positive("--enc-dim", encDim);
        Checks.positive("--h-dim", hDim);
        checkTask(SharedOptions.MAX_SEQ_LEN);
        if (kind != ModelKind.MONOLITHIC && GroupLstmCell.moduleHidden(rules, encDim, hDim) < 1) {
            throw new UserError("--h-dim " + hDim + " with --enc-dim " + encDim + " gives the " + rules
                    + " modules' LSTMs no width (the reference's parameter matching); raise --h-dim");
        }
    }

    @Override
    public void checkTask(int maxLength) {
        Checks.inRange("--d-dim", dDim, 1, RnnTask.MAX_DIM, null);
        Checks.inRange("--order", order, 1, RnnTask.MAX_ORDER, null);
        Checks.inRange("--seq-len", seqLen, 1, maxLength, null);
    }

    @Override
    public int trainLength() {
        return seqLen;
    }

    @Override
    public Task newTask(int rules, long dataSeed, boolean classification) {
        return new RnnTask(rules, dataSeed, classification, dDim, order, seqLen);
    }

    @Override
    public ModelSpec modelSpec(ModelKind kind, int rules, int inputWidth, int outputWidth, int trainLength,
                               int maxLength) {
        return ModelSpec.recurrent(kind, rules, encDim, hDim, inputWidth, outputWidth, trainLength, maxLength);
    }

    @Override
    public String title() {
        return ", d " + dDim + ", order " + order + ", length " + seqLen;
    }

    @Override
    public String slug() {
        return "-d" + dDim + "-order" + order + "-len" + seqLen;
    }
}
