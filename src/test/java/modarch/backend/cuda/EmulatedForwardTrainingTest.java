package modarch.backend.cuda;

import modarch.backend.cuda.emu.Schedule;

/** {@link CudaTrainingContract} on the emulated device, threads of a block resumed in forward order. */
class EmulatedForwardTrainingTest extends CudaTrainingContract {
    @Override
    CudaBackend open() {
        return Devices.emulated(Schedule.FORWARD);
    }
}
