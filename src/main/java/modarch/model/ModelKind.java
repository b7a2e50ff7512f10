package modarch.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The paper's four model kinds; they share encoders and decoder and differ in routing. */
public enum ModelKind {
    MONOLITHIC("monolithic"),
    /** Each module scores itself (the reference's Modular with --joint). */
    MODULAR("modular"),
    /** A scorer that sees only the rule context (the reference's Modular with --op). */
    MODULAR_OP("modular-op"),
    /** The one-hot rule routes (oracle). */
    GT_MODULAR("gt-modular");

    private final String cliName;

    ModelKind(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public boolean routed() {
        return this != MONOLITHIC;
    }

    public static ModelKind parse(String name) {
        for (ModelKind kind : values()) {
            if (kind.cliName.equals(name)) return kind;
        }
        throw new IllegalArgumentException("unknown model '" + name + "': allowed are " + allowed());
    }

    public static String allowed() {
        return Arrays.stream(values()).map(ModelKind::cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
