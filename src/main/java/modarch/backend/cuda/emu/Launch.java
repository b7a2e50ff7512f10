package modarch.backend.cuda.emu;

import modarch.backend.cuda.CudaException;
import modarch.backend.cuda.KernelArgs;
import org.bytedeco.javacpp.LongPointer;

/**
 * One kernel launch with its argument values frozen: what a graph records and a trace writes. Runs on the native
 * emulator synchronously.
 *
 * @param grid      [3] blocks in x, y, z
 * @param block     [3] threads per block in x, y, z
 * @param signature the argument kinds, e.g. "ppiii" (see {@link KernelArgs#signature()})
 * @param bits      [signature.length()] each argument's raw value, as {@link KernelArgs#bits(int)}
 */
record Launch(String kernel, int[] grid, int[] block, int sharedBytes, String signature, long[] bits) {

    static Launch of(String kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                     int sharedBytes, KernelArgs args) {
        int[] grid = {gridX, gridY, gridZ};
        int[] block = {blockX, blockY, blockZ};
        for (int i = 0; i < 3; i++) {
            if (grid[i] < 1 || block[i] < 1) {
                throw new CudaException(kernel + ": invalid launch: grid " + gridX + "x" + gridY + "x" + gridZ
                        + ", block " + blockX + "x" + blockY + "x" + blockZ + " (every size must be at least 1)");
            }
        }
        if (sharedBytes < 0) {
            throw new CudaException(kernel + ": invalid launch: " + sharedBytes + " bytes of shared memory");
        }
        long[] bits = new long[args.count()];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = args.bits(i);
        }
        return new Launch(kernel, grid, block, sharedBytes, args.signature(), bits);
    }

    /**
     * Runs it on the emulator; the caller holds the lock that makes the schedule and worker settings its own.
     * params = void*[n] pointing into slots[n], one 8-byte slot per argument: a 4-byte int or float sits in the low
     * half (little-endian), as the kernel's thunk reads it.
     */
    void run() {
        int n = bits.length;
        try (LongPointer slots = new LongPointer(Math.max(1, n)); LongPointer params = new LongPointer(Math.max(1, n))) {
            for (int i = 0; i < n; i++) {
                slots.put(i, bits[i]);
                params.put(i, slots.address() + 8L * i);
            }
            int rc = EmuNative.emu_launch(kernel, grid[0], grid[1], grid[2], block[0], block[1], block[2], sharedBytes,
                    params.address());
            if (rc != 0) {
                throw new CudaException(EmuNative.emu_last_error());
            }
        }
    }
}
