package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The probe answers on any machine, once, with a reason when CUDA is not usable. */
class CudaProbeTest {

    @Test
    void answersOnceWithAReasonWhenNotUsable() {
        CudaProbe probe = CudaProbe.get();
        assertSame(probe, CudaProbe.get());
        if (probe.usable()) {
            assertNull(probe.reason());
            assertFalse(probe.devices().isEmpty());
            assertTrue(probe.driverVersion() >= CudaProbe.REQUIRED_DRIVER_VERSION);
        } else {
            assertNotNull(probe.reason());
            assertFalse(probe.reason().isBlank());
            assertFalse(probe.reason().contains("\n"), probe.reason());
        }
    }

    @Test
    void cudaVersionsAsTheDriverSaysThem() {
        assertEquals("13.0", CudaProbe.cudaVersion(13000));
        assertEquals("12.4", CudaProbe.cudaVersion(12040));
    }

    @Test
    void byteSizesAsPeopleReadThem() {
        assertEquals("100 bytes", ByteSize.of(100));
        assertEquals("8 GiB", ByteSize.of(8L << 30));
        assertEquals("1.5 GiB", ByteSize.of(3L << 29));
        assertEquals("256 MiB", ByteSize.of(256L << 20));
    }

    @Test
    void aBuildWithoutKernelsSaysWhichResourceIsMissing() {
        if (KernelImage.class.getResource(KernelImage.RESOURCE) != null) return; // this build has them
        CudaException e = assertThrows(CudaException.class, KernelImage::load);
        assertTrue(e.getMessage().contains(KernelImage.RESOURCE), e.getMessage());
    }
}
