package modarch.backend.ops;

import modarch.backend.IntMat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/** Adds 1 to the 64-bit count held as (low, high) words in counter (two ints). On the GPU: counter64_increment. */
public record IncrementLong(IntMat counter) implements Op {
    public IncrementLong {
        Shapes.vector("incrementLong", counter, 2);
    }

    @Override
    public void reference(Parallel pool) {
        int[] words = Host.ints(counter);
        int off = counter.off();
        long value = Host.longAt(words, off) + 1;
        words[off] = (int) value;
        words[off + 1] = (int) (value >>> 32);
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch("counter64_increment", 1, 1, 1, 1, 0, KernelArgs.of().ptr(gpu.at(counter)));
    }
}
