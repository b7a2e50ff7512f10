package modarch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.model.MlpModel;
import modarch.model.Model;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.task.MlpTask;
import modarch.task.Task;
import org.junit.jupiter.api.Test;

/** docs/ARCHITECTURE.md: a training step allocates nothing (counted in bytes by the JVM, not timed). */
class TrainStepAllocationTest {

    @Test
    void aWarmTrainingStepAllocatesNothing() {
        Backend backend = Backends.select("cpu").backend();
        for (ModelKind kind : ModelKind.values()) {
            MlpModel model = new MlpModel(backend, 2, new ModelSpec(kind, 8, 16, 64), 64);
            Task[] tasks = {new MlpTask(8, 0, false), new MlpTask(8, 1, false)};
            assertAWarmStepAllocatesNothing(backend, model, tasks, 64, 1, 0f, kind.toString());
        }
    }

    /** Top-k routing's dispatched modules (the segmented products loop over the modules' row counts on the host). */
    @Test
    void aWarmTopKTrainingStepAllocatesNothing() {
        Backend backend = Backends.select("cpu").backend();
        for (ModelKind kind : new ModelKind[] {ModelKind.MODULAR_OP, ModelKind.MODULAR}) {
            MlpModel model = new MlpModel(backend, 2, new ModelSpec(kind, 8, 16, 64).withRouterTopK(2), 64);
            Task[] tasks = {new MlpTask(8, 0, false), new MlpTask(8, 1, false)};
            assertAWarmStepAllocatesNothing(backend, model, tasks, 64, 1, 0f, kind + " top-2");
        }
    }

    static void assertAWarmStepAllocatesNothing(Backend backend, Model model, Task[] tasks, int examples,
                                                        int length, float maxGradNorm, String what) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM cannot count allocated bytes");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        try (model) {
            model.init(0, 1);
            model.init(1, 2);
            TrainStep step = new TrainStep(backend, model, tasks, new long[] {1, 2}, Loss.L1,
                    new Adam(backend, model.arena(), 1e-4), examples, length, maxGradNorm);
            long[] iteration = {0};
            // the Vector API allocates until C2 has compiled the kernels: wait for a clean window of 50 steps
            long allocated = -1;
            long deadline = System.nanoTime() + 120_000_000_000L; // generous: C2 can be late on a loaded machine
            while (allocated != 0 && System.nanoTime() < deadline) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 50; i++) step.run(++iteration[0]);
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(0, allocated, what + ": bytes allocated by 50 warm steps on the calling thread");
        }
    }
}
