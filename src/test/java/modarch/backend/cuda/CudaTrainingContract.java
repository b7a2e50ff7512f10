package modarch.backend.cuda;

import static modarch.TestBuffers.relativeError;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import modarch.backend.Backend;
import modarch.model.MlpModel;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.nn.Param;
import modarch.task.MlpTask;
import modarch.task.Task;
import modarch.train.Adam;
import modarch.train.Loss;
import modarch.train.TrainStep;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole MLP model on a device backend against the scalar reference: one forward and backward, then 20
 * training steps of every kind (batches drawn on the device, the step recorded and replayed after the first),
 * within relative error 1e-4 of the CPU's parameters. The same Philox data makes this exact up to floating point.
 */
abstract class CudaTrainingContract extends DeviceContract {


    /** steps of two replicas (seeds 3 and 8, data seeds 1 and 2) of one kind on backend; the caller closes it. */
    private static MlpModel train(Backend backend, ModelKind kind, int rules, int enc, int dim, int examples,
                                  boolean classification, int steps) {
        return train(backend, kind, rules, enc, dim, examples, classification, steps, new long[] {3, 8}, new long[] {1, 2});
    }

    /** steps of replicas with these seeds and data seeds; returns the model (the caller closes it). */
    private static MlpModel train(Backend backend, ModelKind kind, int rules, int enc, int dim, int examples,
                                  boolean classification, int steps, long[] seeds, long[] dataSeeds) {
        int rep = seeds.length;
        Task[] tasks = new Task[rep];
        for (int r = 0; r < rep; r++) tasks[r] = new MlpTask(rules, dataSeeds[r], classification);
        MlpModel model = new MlpModel(backend, rep, new ModelSpec(kind, rules, enc, dim), examples);
        for (int r = 0; r < rep; r++) model.init(r, seeds[r]);
        try (Adam adam = new Adam(backend, model.arena(), 1e-3);
             TrainStep step = new TrainStep(backend, model, tasks, seeds, Loss.forTask(classification), adam, examples, 1)) {
            for (int i = 1; i <= steps; i++) step.run(i);
        }
        return model;
    }

    @ParameterizedTest(name = "R={0} E={1} D={2} batch={3} classification={4}")
    @CsvSource({"3, 8, 24, 37, false", "5, 16, 40, 64, true"})
    void twentyStepsOfEveryKindMatchTheCpu(int rules, int enc, int dim, int examples, boolean classification) {
        for (ModelKind kind : ModelKind.values()) {
            try (MlpModel ref = train(KernelAgreement.REFERENCE, kind, rules, enc, dim, examples, classification, 20);
                 MlpModel out = train(device(), kind, rules, enc, dim, examples, classification, 20)) {
                List<Param> params = ref.params();
                for (int r = 0; r < 2; r++) {
                    float[] expected = ref.arena().download(ref.arena().data(), r);
                    float[] actual = out.arena().download(out.arena().data(), r);
                    for (Param p : params) {
                        float[] e = Arrays.copyOfRange(expected, p.start(), p.start() + p.size());
                        float[] a = Arrays.copyOfRange(actual, p.start(), p.start() + p.size());
                        double error = relativeError(a, e);
                        assertTrue(error < 1e-4, kind + " replica " + r + " " + p.name() + ": relative error " + error);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "R={0} E={1} D={2} rows={3}")
    @CsvSource({"5, 7, 23, 37", "3, 9, 129, 17"})
    void forwardAndBackwardOfEveryKindMatchTheCpu(int rules, int enc, int dim, int rows) {
        for (ModelKind kind : ModelKind.values()) {
            // one step without Adam's effect: gradients and predictions after a single forward and backward
            try (MlpModel ref = train(KernelAgreement.REFERENCE, kind, rules, enc, dim, rows, false, 1);
                 MlpModel out = train(device(), kind, rules, enc, dim, rows, false, 1)) {
                for (int r = 0; r < 2; r++) {
                    double predError = relativeError(read(device(), out, r), read(KernelAgreement.REFERENCE, ref, r));
                    assertTrue(predError < 1e-5, kind + " predictions: " + predError);
                    float[] g = out.arena().download(out.arena().grad(), r);
                    float[] gRef = ref.arena().download(ref.arena().grad(), r);
                    for (Param p : ref.params()) {
                        double error = relativeError(Arrays.copyOfRange(g, p.start(), p.start() + p.size()),
                                Arrays.copyOfRange(gRef, p.start(), p.start() + p.size()));
                        assertTrue(error < 1e-5, kind + " " + p.name() + " gradient: " + error);
                    }
                }
            }
        }
    }

    /**
     * A replica trained in a group of three has exactly the bits of its single run: the device picks each kernel by
     * an item's shape, never by the group's size, and computes every item alone.
     */
    @ParameterizedTest(name = "R={0} E={1} D={2} batch={3}")
    @CsvSource({"3, 8, 24, 37", "4, 16, 64, 70"})
    void aReplicaInAGroupHasTheBitsOfItsSingleRun(int rules, int enc, int dim, int examples) {
        for (ModelKind kind : ModelKind.values()) {
            try (MlpModel group = train(device(), kind, rules, enc, dim, examples, false, 5, new long[] {3, 8, 5},
                    new long[] {1, 2, 0});
                 MlpModel single = train(device(), kind, rules, enc, dim, examples, false, 5, new long[] {8},
                         new long[] {2})) {
                float[] inGroup = group.arena().download(group.arena().data(), 1);
                float[] alone = single.arena().download(single.arena().data(), 0);
                for (int i = 0; i < alone.length; i++) {
                    if (Float.floatToRawIntBits(alone[i]) != Float.floatToRawIntBits(inGroup[i])) {
                        throw new AssertionError(kind + ": parameter " + i + " is " + inGroup[i] + " in the group, "
                                + alone[i] + " alone");
                    }
                }
            }
        }
    }

    private static float[] read(Backend backend, MlpModel model, int r) {
        int rows = model.predictions().length() / model.rep();
        float[] out = new float[rows];
        backend.download(model.predictions(), r * rows, out, 0, rows);
        return out;
    }
}
