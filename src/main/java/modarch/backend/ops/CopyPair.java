package modarch.backend.ops;

import java.util.List;
import modarch.backend.Op;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;

/**
 * Two independent block copies as one op: neither writes what the other reads or writes (checked here, row by row),
 * so they may run in any order, and on the GPU in one launch (elementwise.cu's copy_blocks_pair). A copy is exact,
 * so each has the bits of its own op.
 */
public record CopyPair(CopyBlocks first, CopyBlocks second) implements Op {
    public CopyPair {
        Footprint firstDst = Footprint.of(first.dst(), first.groups(), first.groupStrideDst());
        Footprint secondDst = Footprint.of(second.dst(), second.groups(), second.groupStrideDst());
        Footprint firstSrc = Footprint.of(first.src(), first.groups(), first.groupStrideSrc());
        Footprint secondSrc = Footprint.of(second.src(), second.groups(), second.groupStrideSrc());
        Footprint.requireIndependent("copyPair", "copy", List.of(List.of(firstDst), List.of(secondDst)),
                List.of(List.of(firstDst, firstSrc), List.of(secondDst, secondSrc)));
    }

    @Override
    public void reference(Parallel pool) {
        first.reference(pool);
        second.reference(pool);
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch1d("copy_blocks_pair", first.elements() + second.elements(), first.args(gpu).append(second.args(gpu)));
    }
}
