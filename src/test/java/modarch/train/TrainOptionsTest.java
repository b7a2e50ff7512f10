package modarch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import modarch.UserError;
import modarch.model.Registry;
import modarch.model.RunOption;
import modarch.model.SharedOptions;
import modarch.model.TaskSpec;
import modarch.model.mha.MhaFamily;
import modarch.model.rnn.RnnFamily;
import org.junit.jupiter.api.Test;

/** config.json, the defaults and the refusals, all made from the options' declarations. */
class TrainOptionsTest {
    private static final Path FILE = Path.of("run", "config.json");

    @Test
    void configJsonListsTheDeclaredOptionsInOrderAndReadsBack() throws IOException {
        for (TaskSpec task : Registry.tasks()) {
            TrainConfig config = TrainOptions.config(task, "modular", Map.of(TrainOptions.ROUTER_Z_LOSS, 0.5,
                    TrainOptions.SEED, 7L, TrainOptions.RULES, 4));
            Map<String, Object> map = config.toMap();
            List<String> keys = new ArrayList<>(List.of("task", "model"));
            for (RunOption option : TrainOptions.of(task)) {
                if (option != TrainOptions.ROUTER_TOPK) keys.add(option.key()); // recorded only when set
            }
            assertEquals(keys, List.copyOf(map.keySet()), task.cliName());
            assertEquals(config, TrainConfig.fromMap(new LinkedHashMap<>(map), List.of(), FILE), task.cliName());
        }
    }

    @Test
    void thePapersRecipeRecordsNoRoutingOption() throws IOException {
        TaskSpec task = Registry.task("mha-regression");
        TrainConfig config = TrainOptions.config(task, "gt-modular", Map.of());
        assertEquals(List.of("task", "model", "rules", "dim", "att_dim", "search_version", "seq_len", "attention_topk",
                "batch_size", "lr", "iterations", "eval_every", "seed", "data_seed"), List.copyOf(config.toMap().keySet()));
        assertEquals(500_000L, config.iterations(), "the family's default");
        assertEquals(config, TrainConfig.fromMap(config.toMap(), List.of(), FILE));
    }

    @Test
    void anOptionOfAnotherFamilyIsRefusedAsTheFamilyWordsIt() {
        TaskSpec rnn = Registry.task("rnn-regression");
        assertEquals("--dim does not apply to rnn-regression: the rnn tasks' LSTM width is --h-dim", assertThrows(
                UserError.class, () -> TrainOptions.config(rnn, "modular", Map.of(SharedOptions.DIM, 8))).getMessage());
        assertEquals("--att-dim does not apply to rnn-regression", assertThrows(UserError.class,
                () -> TrainOptions.config(rnn, "modular", Map.of(MhaFamily.ATT_DIM, 8))).getMessage());
        TaskSpec mha = Registry.task("mha-classification");
        assertEquals(TrainOptions.config(mha, "modular", Map.of()),
                TrainOptions.config(mha, "modular", Map.of(SharedOptions.ENC_DIM, 0)), "--enc-dim 0 says nothing");
        assertThrows(UserError.class, () -> TrainOptions.config(mha, "modular", Map.of(RnnFamily.D_DIM, 3)));
    }
}
