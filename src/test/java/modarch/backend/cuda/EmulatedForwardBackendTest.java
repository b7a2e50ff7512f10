package modarch.backend.cuda;

import modarch.backend.cuda.emu.Schedule;

/** {@link CudaBackendContract} on the emulated device, threads of a block resumed in forward order. */
class EmulatedForwardBackendTest extends CudaBackendContract {
    @Override
    CudaBackend open() {
        return Devices.emulated(Schedule.FORWARD);
    }
}
