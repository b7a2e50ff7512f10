package modarch.report;

import static modarch.model.ModelKind.GT_MODULAR;
import static modarch.model.ModelKind.MODULAR;
import static modarch.model.ModelKind.MODULAR_OP;
import static modarch.model.ModelKind.MONOLITHIC;

import java.util.List;
import modarch.model.ModelKind;

/** The paper's names and orders of the model kinds, and of the Random baseline row. */
final class Kinds {
    /** The paper's order in tables and legends (plot_main.py's hue_perf). */
    static final List<ModelKind> DISPLAY = List.of(GT_MODULAR, MODULAR_OP, MODULAR, MONOLITHIC);
    /** The reference's ranking order (compute.py's `models`): a tie goes to the first. */
    static final List<ModelKind> RANKING = List.of(GT_MODULAR, MODULAR_OP, MONOLITHIC, MODULAR);
    /** The reference's "sub" ranking, Modular against Monolithic, in its order. */
    static final List<ModelKind> SUB_RANKING = List.of(MONOLITHIC, MODULAR);
    /** The row of the uniform activation matrix (plot_main.py's add_random). */
    static final String RANDOM = "Random";

    private Kinds() {
    }

    /** GT-Modular, Modular-op, Modular, Monolithic. */
    static String label(ModelKind kind) {
        switch (kind) {
            case GT_MODULAR: return "GT-Modular";
            case MODULAR_OP: return "Modular-op";
            case MODULAR: return "Modular";
            case MONOLITHIC: return "Monolithic";
            default: throw new IllegalArgumentException(kind.toString());
        }
    }
}
