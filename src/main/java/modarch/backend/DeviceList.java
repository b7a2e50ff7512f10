package modarch.backend;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;
import modarch.UserError;

/**
 * The devices of one kind that a --device names by index: {@code KIND} alone (device 0), {@code KIND:N},
 * {@code KIND:I,J,...} (each once) or {@code KIND:all}, for KIND {@code cuda} (the GPUs) or {@code cuda-emulated}
 * (the emulated devices, {@code -Dmodarch.emulated.devices} of them). The syntax is checked before the devices are
 * counted, so that a typo is refused as such on any machine.
 */
record DeviceList(String kind, List<Integer> indices) {
    static final String CUDA = "cuda";
    static final String EMULATED = "cuda-emulated";
    /** How many emulated devices there are (default 1). */
    static final String EMULATED_DEVICES_PROPERTY = "modarch.emulated.devices";
    private static final int MAX_EMULATED_DEVICES = 64;

    DeviceList {
        indices = List.copyOf(indices);
    }

    /** Whether device is of the form KIND[:...] for one of the two kinds (its indices still to be checked). */
    static boolean names(String device) {
        return kindOf(device) != null;
    }

    /**
     * The devices that device names; count gives how many of the kind there are (asked only once the syntax is
     * right: it may refuse, as for a machine without a usable GPU). Bad input is a UserError naming the value.
     */
    static DeviceList parse(String device, IntSupplier count) {
        String kind = kindOf(device);
        if (kind == null) throw new UserError("--device '" + device + "' is not allowed: allowed are " + Backends.ALLOWED);
        String spec = device.length() == kind.length() ? "0" : device.substring(kind.length() + 1);
        boolean all = spec.equals("all");
        Set<Integer> given = new LinkedHashSet<>();
        if (!all) {
            for (String digits : spec.split(",", -1)) {
                if (!digits.matches("[0-9]{1,9}")) {
                    throw new UserError("--device '" + device + "' is not allowed: " + kind + ":N needs " + what(kind)
                            + " indices N (0, 1, ...), a list of them (" + kind + ":0,2) or all; allowed are "
                            + Backends.ALLOWED);
                }
                if (!given.add(Integer.parseInt(digits))) {
                    throw new UserError("--device " + device + " names " + what(kind) + " " + Integer.parseInt(digits)
                            + " twice: name each device once");
                }
            }
        }
        int n = count.getAsInt();
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < (all ? n : 0); i++) indices.add(i);
        for (int index : given) {
            if (index >= n) {
                throw new UserError("--device " + device + ": there is no " + what(kind) + " " + index + "; "
                        + available(kind, n));
            }
            indices.add(index);
        }
        return new DeviceList(kind, indices);
    }

    /** The emulated devices' count, from {@value #EMULATED_DEVICES_PROPERTY} (default 1). */
    static int emulatedCount() {
        String value = System.getProperty(EMULATED_DEVICES_PROPERTY, "1");
        if (!value.matches("[0-9]{1,3}") || Integer.parseInt(value) < 1 || Integer.parseInt(value) > MAX_EMULATED_DEVICES) {
            throw new UserError("-D" + EMULATED_DEVICES_PROPERTY + "=" + value + " is not allowed: it must be in 1.."
                    + MAX_EMULATED_DEVICES + " (the number of emulated devices; MODARCH_JAVA_OPTS sets it)");
        }
        return Integer.parseInt(value);
    }

    /** The single-device --device value of device i of this list, e.g. "cuda:2". */
    String device(int i) {
        return kind + ":" + indices.get(i);
    }

    private static String kindOf(String device) {
        for (String kind : List.of(EMULATED, CUDA)) {
            if (device.equals(kind) || device.startsWith(kind + ":")) return kind;
        }
        return null;
    }

    private static String what(String kind) {
        return kind.equals(CUDA) ? "GPU" : "emulated device";
    }

    /** "this machine has 2 (cuda:0..cuda:1)", or the emulated devices' count and where it comes from. */
    private static String available(String kind, int n) {
        String range = kind + ":0" + (n > 1 ? ".." + kind + ":" + (n - 1) : "");
        if (kind.equals(CUDA)) return "this machine has " + n + " (" + range + ")";
        return "there " + (n == 1 ? "is 1" : "are " + n) + " (" + range + "; -D" + EMULATED_DEVICES_PROPERTY + "=N sets"
                + " how many, through MODARCH_JAVA_OPTS)";
    }
}
