package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DataCommandTest {
    @Test
    void oodWithCoefficientsIsRefusedNotIgnored() {
        CliTest.Result result = CliTest.run("data", "--task", "mlp-regression", "--coefficients", "--ood");
        assertEquals(2, result.code(), result.err());
        assertEquals("", result.out());
        assertEquals(1, result.err().lines().count(), result.err());
        assertTrue(result.err().startsWith("modarch: error: --ood applies to batches (--batch N), not to --coefficients"),
                result.err());
    }

    @Test
    void seedWithCoefficientsIsRefusedNotIgnored() {
        CliTest.Result result = CliTest.run("data", "--task", "mlp-regression", "--coefficients", "--seed", "5");
        assertEquals(2, result.code(), result.err());
        assertEquals("", result.out());
        assertEquals(1, result.err().lines().count(), result.err());
        assertTrue(result.err().startsWith("modarch: error: --seed 5 applies to batches"), result.err());
    }

    @Test
    void oodWithABatchStillWorks() {
        CliTest.Result in = CliTest.run("data", "--task", "mlp-regression", "--batch", "3");
        CliTest.Result ood = CliTest.run("data", "--task", "mlp-regression", "--batch", "3", "--ood");
        assertEquals(0, ood.code(), ood.err());
        assertTrue(ood.out().startsWith("{\"inputs\""), ood.out());
        assertNotEquals(in.out(), ood.out(), "--ood changes the batch");
    }
}
