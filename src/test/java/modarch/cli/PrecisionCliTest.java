package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import modarch.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --precision from the command line: config.json, a deterministic run per precision, resume, refusals. */
class PrecisionCliTest {
    @TempDir
    Path tmp;

    /** A tiny MHA run (the tests on the CPU). */
    private static String[] train(Path out, String... extra) {
        return args(List.of("--task", "mha-regression", "--dim", "8", "--att-dim", "12", "--seq-len", "4"), out, extra);
    }

    /** A tiny MLP run (the emulated device's: an MHA evaluation there takes minutes). */
    private static String[] trainMlp(Path out, String... extra) {
        return args(List.of("--task", "mlp-regression", "--enc-dim", "8", "--dim", "12"), out, extra);
    }

    private static String[] args(List<String> task, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(task);
        args.addAll(List.of("--model", "modular", "--rules", "3", "--batch-size", "16", "--iterations", "6",
                "--eval-every", "3", "--quiet", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void eachPrecisionIsRecordedAndItsRunRepeatsBitForBit() throws Exception {
        List<byte[]> models = new ArrayList<>();
        for (String precision : List.of("fp32", "tf32", "3xtf32")) {
            Path once = tmp.resolve(precision), again = tmp.resolve(precision + "-again");
            for (Path out : List.of(once, again)) {
                CliTest.Result result = CliTest.run(train(out, "--precision", precision));
                assertEquals(0, result.code(), result.err());
            }
            JsonNode config = Json.MAPPER.readTree(once.resolve("config.json").toFile());
            assertEquals(precision.equals("fp32") ? null : precision, config.path("precision").textValue(),
                    "recorded unless fp32");
            byte[] model = Files.readAllBytes(once.resolve("model_last.safetensors"));
            assertArrayEquals(model, Files.readAllBytes(again.resolve("model_last.safetensors")), precision);
            models.add(model);
        }
        byte[] byDefault = Files.readAllBytes(trained(tmp.resolve("default")).resolve("model_last.safetensors"));
        assertArrayEquals(models.get(0), byDefault, "fp32 is the default");
        assertFalse(Arrays.equals(models.get(0), models.get(1)), "tf32 rounds the products' inputs");
        assertFalse(Arrays.equals(models.get(1), models.get(2)), "3xtf32 adds the small parts");
    }

    private static Path trained(Path out) {
        CliTest.Result result = CliTest.run(train(out));
        assertEquals(0, result.code(), result.err());
        return out;
    }

    @Test
    void aResumeKeepsTheRunsPrecisionAndRefusesAnother() throws Exception {
        Path out = tmp.resolve("run");
        assertEquals(0, CliTest.run(train(out, "--precision", "tf32")).code());
        CliTest.Result other = CliTest.run(train(out, "--precision", "fp32", "--resume"));
        assertEquals(2, other.code(), other.err());
        assertTrue(other.err().contains("--precision fp32 differs from the run being resumed (tf32 in "), other.err());
        assertEquals(1, other.err().strip().lines().count(), other.err());
        CliTest.Result stored = CliTest.run("train", "--resume", "--out", out.toString(), "--quiet", "--device",
                "cpu");
        assertEquals(0, stored.code(), stored.err());
        assertEquals("tf32", Json.MAPPER.readTree(out.resolve("config.json").toFile()).get("precision").asText());
        Path fp32 = tmp.resolve("fp32");
        assertEquals(0, CliTest.run(train(fp32)).code());
        CliTest.Result tf32 = CliTest.run(train(fp32, "--precision", "tf32", "--resume"));
        assertEquals(2, tf32.code(), tf32.err());
        assertTrue(tf32.err().contains("--precision tf32 differs from the run being resumed (fp32 in "), tf32.err());
    }

    /** gemm_tf32 on the emulated device, and top-k routing's segmented products on its tensor-core kernels. */
    @Test
    void theEmulatedDeviceRunsTf32AndTopKInIt() throws Exception {
        Path out = tmp.resolve("emulated");
        CliTest.Result result = CliTest.run(trainMlp(out, "--precision", "tf32", "--device", "cuda-emulated"));
        assertEquals(0, result.code(), result.err());
        assertEquals("tf32", Json.MAPPER.readTree(out.resolve("config.json").toFile()).get("precision").asText());
        Path topK = tmp.resolve("topk");
        CliTest.Result routed = CliTest.run(trainMlp(topK, "--precision", "3xtf32", "--router-topk", "2", "--device",
                "cuda-emulated"));
        assertEquals(0, routed.code(), routed.err());
        assertEquals("3xtf32", Json.MAPPER.readTree(topK.resolve("config.json").toFile()).get("precision").asText());
        assertTrue(Files.exists(topK.resolve("model_last.safetensors")), "trained to the end");
    }

    @Test
    void anUnknownPrecisionIsOneLineAndWritesNothing() {
        CliTest.Result result = CliTest.run(train(tmp.resolve("bad"), "--precision", "fp16"));
        assertEquals(2, result.code(), result.err());
        assertTrue(result.err().contains("precision 'fp16' is not one of fp32, tf32, 3xtf32"), result.err());
        assertEquals(1, result.err().strip().lines().count(), result.err());
        assertFalse(Files.exists(tmp.resolve("bad")), "nothing written");
    }
}
