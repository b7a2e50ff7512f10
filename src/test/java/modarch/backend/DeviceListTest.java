package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import modarch.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The device lists of --device: their forms, and bad input refused in one line naming the value. */
class DeviceListTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cuda|cuda|0",
        "cuda:2|cuda|2",
        "cuda:all|cuda|0,1,2,3",
        "cuda:3,0,2|cuda|3,0,2",
        "cuda-emulated|cuda-emulated|0",
        "cuda-emulated:all|cuda-emulated|0,1,2,3",
        "cuda-emulated:1,3|cuda-emulated|1,3",
    })
    void aListNamesItsDevicesInOrder(String device, String kind, String indices) {
        DeviceList list = DeviceList.parse(device, () -> 4);
        assertEquals(kind, list.kind());
        assertEquals(List.of(indices.split(",")).stream().map(Integer::valueOf).toList(), list.indices());
        assertEquals(kind + ":" + list.indices().get(0), list.device(0));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cuda:x|'cuda:x' is not allowed",
        "cuda:|'cuda:' is not allowed",
        "cuda:-1|'cuda:-1' is not allowed",
        "cuda:0,|'cuda:0,' is not allowed",
        "cuda:all,1|'cuda:all,1' is not allowed",
        "cuda:0,0|cuda:0,0 names GPU 0 twice",
        "cuda:4|cuda:4: there is no GPU 4; this machine has 4 (cuda:0..cuda:3)",
        "cuda:1,7|there is no GPU 7",
        "cuda-emulated:5|cuda-emulated:5: there is no emulated device 5; there are 4 (cuda-emulated:0..cuda-emulated:3",
        "cuda-emulated:2,2|names emulated device 2 twice",
        "cudax|'cudax' is not allowed: allowed are",
    })
    void badListsAreRefusedNamingTheValue(String device, String message) {
        UserError e = assertThrows(UserError.class, () -> DeviceList.parse(device, () -> 4));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void aTypoIsRefusedBeforeTheDevicesAreCounted() {
        UserError e = assertThrows(UserError.class, () -> DeviceList.parse("cuda:x", () -> {
            throw new AssertionError("counted");
        }));
        assertTrue(e.getMessage().contains("cuda:x"), e.getMessage());
    }

    @Test
    void theEmulatedDevicesAreCountedFromTheirProperty() {
        String before = System.getProperty(DeviceList.EMULATED_DEVICES_PROPERTY);
        try {
            System.clearProperty(DeviceList.EMULATED_DEVICES_PROPERTY);
            assertEquals(1, DeviceList.emulatedCount());
            System.setProperty(DeviceList.EMULATED_DEVICES_PROPERTY, "4");
            assertEquals(4, DeviceList.emulatedCount());
            for (String bad : List.of("0", "65", "x", "-1", "")) {
                System.setProperty(DeviceList.EMULATED_DEVICES_PROPERTY, bad);
                UserError e = assertThrows(UserError.class, DeviceList::emulatedCount);
                assertTrue(e.getMessage().startsWith("-Dmodarch.emulated.devices=" + bad + " is not allowed"), e.getMessage());
            }
        } finally {
            if (before == null) System.clearProperty(DeviceList.EMULATED_DEVICES_PROPERTY);
            else System.setProperty(DeviceList.EMULATED_DEVICES_PROPERTY, before);
        }
    }
}
