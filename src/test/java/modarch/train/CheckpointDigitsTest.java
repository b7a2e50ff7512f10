package modarch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import modarch.io.CorruptFileException;
import org.junit.jupiter.api.Test;

/** A training state's iteration is written in ASCII digits: Java's parser would read '４' or '٤' as 4. */
class CheckpointDigitsTest {
    private static final Path FILE = Path.of("run", RunDirectory.TRAINING_STATE);

    @Test
    void anIterationInOtherDigitsIsCorrupt() {
        for (String text : new String[] {"４", "٤", "1٠"}) {
            assertThrows(CorruptFileException.class, () -> CheckpointCheck.iteration(FILE, "iteration", text), text);
        }
    }

    @Test
    void anAsciiIterationIsRead() throws CorruptFileException {
        assertEquals(40, CheckpointCheck.iteration(FILE, "iteration", "40"));
    }
}
