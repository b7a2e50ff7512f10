package modarch.backend;

import modarch.UserError;
import modarch.backend.cpu.ScalarBackend;

/**
 * Picks the backend for a --device choice and says why, in one line. Order: CUDA (not in this
 * build yet), the Vector API CPU backend, the scalar reference. {@code -Dmodarch.scalar=true}
 * forces the scalar one.
 */
public final class Backends {
    public static final String SCALAR_PROPERTY = "modarch.scalar";
    private static final String VECTOR_BACKEND = "modarch.backend.cpu.VectorBackend";

    /** The chosen backend and the reason, for the user and config.json. */
    public record Choice(Backend backend, String reason) {
    }

    private Backends() {
    }

    public static Choice select(String device) {
        if (!device.equals("auto") && !device.equals("cpu")) {
            throw new UserError("--device '" + device + "' is not allowed: allowed are auto, cpu");
        }
        String why = device.equals("auto") ? "no CUDA backend in this build" : "--device cpu";
        if (Boolean.getBoolean(SCALAR_PROPERTY)) {
            return new Choice(new ScalarBackend(), "backend cpu-scalar (" + why + "; -D" + SCALAR_PROPERTY + "=true)");
        }
        try {
            // loaded by name: the class needs the jdk.incubator.vector module, which may be absent
            Backend vector = (Backend) Class.forName(VECTOR_BACKEND).getDeclaredConstructor().newInstance();
            return new Choice(vector, "backend " + vector.name() + " (" + why + "; Vector API available)");
        } catch (Throwable unavailable) {
            return new Choice(new ScalarBackend(), "backend cpu-scalar (" + why + "; Vector API unavailable: "
                    + unavailable + ")");
        }
    }
}
