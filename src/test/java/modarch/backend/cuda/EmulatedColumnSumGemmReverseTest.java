package modarch.backend.cuda;

import modarch.backend.cuda.emu.Schedule;

/** {@link ColumnSumGemmContract} on the emulated device, threads of a block resumed in reverse order. */
class EmulatedColumnSumGemmReverseTest extends ColumnSumGemmContract {
    @Override
    CudaBackend open() {
        return Devices.emulated(Schedule.REVERSE);
    }
}
