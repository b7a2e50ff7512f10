package modarch.backend.cuda;

import modarch.backend.cuda.emu.Schedule;

/** {@link TiledGemmContract} on the emulated device, threads of a block resumed in reverse order. */
class EmulatedTiledGemmReverseTest extends TiledGemmContract {
    @Override
    CudaBackend open() {
        return Devices.emulated(Schedule.REVERSE);
    }
}
