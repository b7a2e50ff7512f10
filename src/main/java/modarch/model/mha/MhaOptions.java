package modarch.model.mha;

import java.util.Map;
import modarch.Checks;
import modarch.UserError;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.MhaModel;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.model.OptionField;
import modarch.model.SharedOptions;
import modarch.task.MhaTask;
import modarch.task.Task;

/**
 * The MHA family's options: token width dim, attention width att_dim (2R heads of att_dim/(2R)), search version,
 * training sequence length and the keys kept per query (0: dense, the reference).
 */
public record MhaOptions(int dim, int attDim, int searchVersion, int seqLen, int attentionTopK) implements FamilyOptions {
    @Override
    public Family family() {
        return MhaFamily.INSTANCE;
    }

    @Override
    public Map<String, Object> values() {
        return OptionField.values(MhaFamily.FIELDS, this);
    }

    @Override
    public void check(ModelKind kind, int rules) {
        Checks.positive("--dim", dim);
        int heads = MhaModel.HEADS_PER_RULE * rules;
        if (attDim < heads) {
            throw new UserError("--att-dim " + attDim + " is smaller than the " + heads + " heads of --rules " + rules
                    + ": each head gets att_dim / (2 rules) units, so att-dim must be >= " + heads);
        }
        checkTask(SharedOptions.MAX_SEQ_LEN);
        if (attentionTopK < 0) {
            throw new UserError("--attention-topk " + attentionTopK + " is not allowed: it must be >= 1"
                    + " (or 0 for dense attention, the default)");
        }
    }

    @Override
    public void checkTask(int maxLength) {
        Checks.searchVersion(searchVersion);
        Checks.seqLen(seqLen, maxLength);
    }

    @Override
    public int trainLength() {
        return seqLen;
    }

    @Override
    public Task newTask(int rules, long dataSeed, boolean classification) {
        return new MhaTask(rules, dataSeed, classification, searchVersion, seqLen);
    }

    @Override
    public ModelSpec modelSpec(ModelKind kind, int rules, int inputWidth, int outputWidth, int trainLength,
                               int maxLength) {
        return new ModelSpec(kind, rules, 0, dim, attDim, attentionTopK, inputWidth, outputWidth, trainLength, maxLength);
    }

    @Override
    public String title() {
        return ", search version " + searchVersion + ", length " + seqLen
                + (attentionTopK > 0 ? ", top-" + attentionTopK + " attention" : "");
    }

    @Override
    public String slug() {
        return "-search" + searchVersion + "-len" + seqLen + (attentionTopK > 0 ? "-top" + attentionTopK : "");
    }
}
