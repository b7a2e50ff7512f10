package modarch.backend.cuda;

import modarch.backend.cuda.emu.Schedule;

/** {@link GemmsContract} on the emulated device, threads of a block resumed in reverse order. */
class EmulatedGemmsReverseTest extends GemmsContract {
    @Override
    CudaBackend open() {
        return Devices.emulated(Schedule.REVERSE);
    }
}
