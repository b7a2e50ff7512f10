package modarch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The families as types: each one's options, defaults and capacity agree with its options record. */
class FamilyTest {
    @Test
    void aFamilysRecordHoldsExactlyItsOptionsInOrder() {
        for (Family family : Registry.families()) {
            FamilyOptions defaults = family.defaults();
            assertSame(family, defaults.family());
            assertEquals(family.options().stream().map(RunOption::key).toList(), List.copyOf(defaults.values().keySet()),
                    family.name());
            FamilyOptions again = family.options(new OptionValues().putAll(family.options(), defaults.values()));
            assertEquals(defaults, again, family.name() + ": values and back");
            assertTrue(family.options().containsAll(family.capacity()), family.name());
            assertEquals(2, family.capacity().size(), family.name());
            defaults.check(ModelKind.MODULAR, 2);
        }
    }

    @Test
    void theTasksAreEachFamilysRegressionAndClassification() {
        assertEquals(List.of("mlp-regression", "mlp-classification", "mha-regression", "mha-classification",
                "rnn-regression", "rnn-classification"), Registry.tasks().stream().map(TaskSpec::cliName).toList());
        for (TaskSpec task : Registry.tasks()) {
            assertEquals(task.family().defaults().trainLength(), task.newTask(2, 0).trainLength(), task.cliName());
        }
    }

    @Test
    void anOptionSharedByFamiliesIsDeclaredOnce() {
        List<RunOption> options = Registry.familyOptions();
        assertEquals(options.size(), options.stream().map(RunOption::key).distinct().count());
        assertEquals(List.of("enc_dim", "dim", "att_dim", "search_version", "seq_len", "attention_topk", "h_dim", "d_dim",
                "order"), options.stream().map(RunOption::key).toList());
        assertEquals(List.of("search_version", "seq_len", "attention_topk", "d_dim", "order"),
                Registry.variantOptions().stream().map(RunOption::key).toList(), "the options that are not a capacity");
        for (RunOption option : options) assertEquals("--" + option.key().replace('_', '-'), option.cli());
    }
}
