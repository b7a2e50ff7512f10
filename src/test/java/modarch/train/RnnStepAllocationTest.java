package modarch.train;

import java.util.List;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.model.RnnModel;
import modarch.nn.RouterRegularization;
import modarch.task.RnnTask;
import modarch.task.Task;
import org.junit.jupiter.api.Test;

/**
 * docs/ARCHITECTURE.md: a training step allocates nothing, for the RNN family. Runs in a JVM of its own (pom.xml's
 * rnn-allocation execution): after the rest of the suite, C2 was seen to leave the LSTM op's vector code boxed
 * (130 KB a step, fresh-clone CI), as it did the attention kernels' (AttentionAllocationTest).
 */
class RnnStepAllocationTest {

    /** The RNN family's step: BPTT over 5 steps, the fused LSTM op, clipping; the learned routings regularised too. */
    @Test
    void aWarmRnnTrainingStepAllocatesNothing() {
        Backend backend = Backends.select("cpu").backend();
        for (ModelKind kind : ModelKind.values()) {
            assertAWarmStepAllocatesNothing(backend, kind, RouterRegularization.NONE);
        }
        for (ModelKind kind : List.of(ModelKind.MODULAR, ModelKind.MODULAR_OP)) {
            assertAWarmStepAllocatesNothing(backend, kind, new RouterRegularization(0.1, 0.01, 0.5));
        }
    }

    private static void assertAWarmStepAllocatesNothing(Backend backend, ModelKind kind, RouterRegularization weights) {
        ModelSpec spec = ModelSpec.recurrent(kind, 3, 8, 20, 4, 4, 5, 5).withRegularization(weights);
        RnnModel model = new RnnModel(backend, 2, spec, 16 * 5);
        Task[] tasks = {new RnnTask(3, 0, false, 4, 1, 5), new RnnTask(3, 1, false, 4, 1, 5)};
        TrainStepAllocationTest.assertAWarmStepAllocatesNothing(backend, model, tasks, 16, 5, 1f,
                "rnn " + kind + (weights.active() ? " regularised" : ""));
    }
}
