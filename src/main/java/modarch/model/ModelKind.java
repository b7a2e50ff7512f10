package modarch.model;

import java.util.List;
import modarch.Checks;


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
        return Checks.choose("model", name, List.of(values()), ModelKind::cliName);
    }

    @Override
    public String toString() {
        return cliName;
    }
}
