package modarch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.model.MlpModel;
import modarch.model.ModelKind;
import modarch.task.FastRandom;
import modarch.task.MlpTask;
import org.junit.jupiter.api.Test;

/** DESIGN.md: a training step allocates nothing (counted in bytes by the JVM, not timed). */
class TrainStepAllocationTest {

    @Test
    void aWarmTrainingStepAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM cannot count allocated bytes");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Backend backend = Backends.select("cpu").backend();
        for (ModelKind kind : ModelKind.values()) {
            MlpModel model = new MlpModel(backend, kind, 1, 8, 16, 64, 64);
            model.init(0, 1);
            TrainStep step = new TrainStep(backend, model, new MlpTask[] {new MlpTask(8, 0, false)}, Loss.L1,
                    new Adam(backend, model.params(), 1e-4), 64);
            FastRandom[] streams = {new FastRandom(1, 1)};
            // the Vector API allocates until C2 has compiled the kernels: wait for a clean window of 50 steps
            long allocated = -1;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (allocated != 0 && System.nanoTime() < deadline) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 50; i++) step.run(streams);
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(0, allocated, kind + ": bytes allocated by 50 warm steps on the calling thread");
        }
    }
}
