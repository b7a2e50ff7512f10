package modarch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import modarch.backend.cpu.ScalarBackend;
import modarch.nn.Param;
import modarch.nn.ParamArena;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Parameter counts, names, shapes and order against the reference's state_dict (MLP/Regression/model.py). */
class MlpModelParamsTest {

    @ParameterizedTest(name = "{0} R={1} E={2} D={3}")
    @CsvSource({
        "MONOLITHIC, 2, 32, 128, 35361",
        "MODULAR, 2, 32, 128, 35619",
        "MODULAR_OP, 2, 32, 128, 35555",
        "GT_MODULAR, 2, 32, 128, 35489",
        "MONOLITHIC, 8, 128, 512, 560001",
        "MODULAR, 8, 128, 512, 564105",
        "MODULAR_OP, 8, 128, 512, 564617",
        "GT_MODULAR, 8, 128, 512, 563585",
    })
    void parameterCountIsTheReferences(ModelKind kind, int rules, int encDim, int dim, long expected) {
        try (MlpModel model = new MlpModel(new ScalarBackend(), 2, new ModelSpec(kind, rules, encDim, dim), 1)) {
            assertEquals(expected, model.parameterCount());
            assertEquals(expected, model.arena().replicaStride(), "the arena holds exactly the parameters");
        }
    }

    /** The reference's state_dict for R=5, E=7, D=23 (H = 4), as "name shape" lines. */
    private static List<String> referenceStateDict(ModelKind kind) {
        int r = 5, e = 7, d = 23, h = d / r;
        List<String> s = new ArrayList<>(List.of(
                "encoder_digit.0.weight [" + e + ", 1]",
                "encoder_digit.0.bias [" + e + "]",
                "encoder_digit.2.weight [" + e + ", " + e + "]",
                "encoder_digit.2.bias [" + e + "]",
                "encoder_operation.0.weight [" + e + ", " + r + "]",
                "encoder_operation.0.bias [" + e + "]",
                "encoder_operation.2.weight [" + e + ", " + e + "]",
                "encoder_operation.2.bias [" + e + "]"));
        switch (kind) {
            case MONOLITHIC:
                s.add("MLP.0.weight [" + d + ", " + 3 * e + "]");
                s.add("MLP.0.bias [" + d + "]");
                s.add("MLP.2.weight [" + d + ", " + d + "]");
                s.add("MLP.2.bias [" + d + "]");
                break;
            case MODULAR: {
                s.add("MLP.0.w [" + r + ", " + 3 * e + ", " + h + "]");
                s.add("MLP.0.b [1, " + r + ", " + h + "]");
                s.add("MLP.2.w [" + r + ", " + h + ", " + (d + 1) + "]");
                s.add("MLP.2.b [1, " + r + ", " + (d + 1) + "]");
                break;
            }
            case MODULAR_OP:
            case GT_MODULAR:
                s.add("MLP.0.w [" + r + ", " + 3 * e + ", " + h + "]");
                s.add("MLP.0.b [1, " + r + ", " + h + "]");
                s.add("MLP.2.w [" + r + ", " + h + ", " + d + "]");
                s.add("MLP.2.b [1, " + r + ", " + d + "]");
                if (kind == ModelKind.MODULAR_OP) {
                    s.add("scorer.weight [" + r + ", " + e + "]");
                    s.add("scorer.bias [" + r + "]");
                }
                break;
            default:
                throw new IllegalArgumentException(kind.name());
        }
        s.add("decoder.0.weight [" + e + ", " + d + "]");
        s.add("decoder.0.bias [" + e + "]");
        s.add("decoder.2.weight [1, " + e + "]");
        s.add("decoder.2.bias [1]");
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ModelKind.class)
    void namesShapesAndOrderAreTheReferenceStateDict(ModelKind kind) {
        try (MlpModel model = new MlpModel(new ScalarBackend(), 2, new ModelSpec(kind, 5, 7, 23), 3)) {
            ParamArena arena = model.arena();
            List<String> actual = new ArrayList<>();
            long count = 0;
            for (Param p : model.params()) {
                actual.add(p.name() + " " + Arrays.toString(p.shape()));
                assertEquals(arena.replicaStride(), p.offset(1) - p.offset(0), "replica axis of " + p.name());
                count += p.size();
            }
            assertEquals(referenceStateDict(kind), actual);
            assertEquals(count, model.parameterCount());
            // the parameters tile one replica's block of the arena exactly: every declared tensor is a listed one,
            // none overlap, and the arena holds the replica axis
            assertEquals(Set.copyOf(arena.declared()), Set.copyOf(model.params()));
            List<Param> byStart = new ArrayList<>(model.params());
            byStart.sort(Comparator.comparingInt(Param::start));
            int next = 0;
            for (Param p : byStart) {
                assertEquals(next, p.start(), "start of " + p.name());
                next += p.size();
            }
            assertEquals(arena.replicaStride(), next);
            assertEquals(2L * count, arena.length());
            assertEquals(2L * count, arena.data().length());
        }
    }
}
