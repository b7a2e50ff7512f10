package modarch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import modarch.backend.TestOps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import modarch.Golden;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.nn.Param;
import modarch.nn.ParamArena;
import modarch.task.Batch;
import modarch.train.Adam;
import modarch.train.Loss;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The independent oracle: one training step of the reference's own PyTorch models (torch_mlp.json, torch_mha.json
 * and torch_rnn.json: initial state_dict, batch, predictions, scores, loss, every gradient, parameters after one Adam
 * step), imported into ours and checked tensor by tensor, by relative error over the whole tensor, on both CPU
 * backends. The RNN family's gradients are clipped to norm 1 first, as its recipe does. The Adam step is taken from
 * the reference's gradients, so it is checked on its own.
 */
class TorchGoldenTest {
    private static final double OUTPUT_TOLERANCE = 1e-5;
    private static final double GRADIENT_TOLERANCE = 1e-4;
    private static final double ADAM_TOLERANCE = 1e-5;
    /** A reference gradient of smaller norm is float noise around an exact zero. */
    private static final double NOISE_GRADIENT = 1e-9;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String file : new String[] {"torch_mlp.json", "torch_mha.json", "torch_rnn.json"}) {
            for (JsonNode c : Golden.read(file).get("cases")) {
                String version = c.has("search_version") ? " v" + c.get("search_version").asInt() : "";
                for (Backend backend : new Backend[] {new ScalarBackend(), new VectorBackend()}) {
                    out.add(Arguments.of(c.get("family").asText() + "-" + c.get("task").asText() + version + " "
                            + c.get("kind").asText() + " " + backend.name(), c, backend));
                }
            }
        }
        return out.stream();
    }

    /** A case's model shape, input floats per row and rows per example (1 in the MLP family). */
    private record Shape(ModelSpec spec, int inputWidth, int length) {
        static Shape of(JsonNode c) {
            ModelKind kind = ModelKind.parse(c.get("kind").asText());
            int rules = c.get("rules").asInt();
            if (c.get("family").asText().equals("mlp")) {
                return new Shape(new ModelSpec(kind, rules, c.get("enc_dim").asInt(), c.get("dim").asInt()), 2, 1);
            }
            if (c.get("family").asText().equals("rnn")) {
                int d = c.get("d_dim").asInt();
                int length = c.get("seq_len").asInt();
                int outputs = c.get("task").asText().equals("classification") ? 1 : d;
                return new Shape(ModelSpec.recurrent(kind, rules, c.get("enc_dim").asInt(), c.get("h_dim").asInt(), d,
                        outputs, length, length), d, length);
            }
            int features = c.get("inputs").get(0).get(0).size() - rules;
            int length = c.get("seq_len").asInt();
            assertEquals(kind == ModelKind.MONOLITHIC ? 2 * rules : 2, c.get("heads").asInt(), "heads");
            return new Shape(new ModelSpec(kind, rules, 0, c.get("dim").asInt(), c.get("att_dim").asInt(), 0,
                    features, length), features, length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneTrainingStepMatchesPyTorch(String name, JsonNode c, Backend backend) {
        boolean classification = c.get("task").asText().equals("classification");
        Shape shape = Shape.of(c);
        ModelSpec spec = shape.spec();
        int rows = c.get("batch").asInt() * shape.length();
        int outputs = spec.outputWidth();
        try (Model model = Registry.task(c.get("family").asText() + "-" + c.get("task").asText())
                     .newModel(backend, 1, spec, rows);
             Batch batch = new Batch(backend, 1, rows, shape.inputWidth(), outputs);
             Adam adam = new Adam(backend, model.arena(), c.get("adam").get("lr").asDouble());
             FloatBuf loss = backend.allocFloats(1);
             FloatBuf norm = backend.allocFloats(1)) {
            ParamArena arena = model.arena();
            assertEquals(names(c.get("state_dict")), model.params().stream().map(Param::name).toList(),
                    "the reference's state_dict names and order");
            arena.upload(block(model.params(), c.get("state_dict"), arena.replicaStride()), arena.data(), 0);
            if (shape.length() == 1) {
                batch.set(inputs(c.get("inputs"), rows), Golden.ints(c.get("rules_of_examples")),
                        floats(Golden.doubles(c.get("labels"))));
            } else {
                String rules = c.has("rules_of_steps") ? "rules_of_steps" : "rules_of_tokens";
                batch.set(tokenFeatures(c.get("inputs"), shape.inputWidth()), Golden.ints(c.get(rules)),
                        floats(Golden.doubles(c.get("labels"))), shape.length());
            }
            if (c.has("module_h_dim")) {
                assertEquals(c.get("module_h_dim").asInt(), ((RnnModel) model).hidden(), name + ": the modules' h");
            }

            arena.zeroGrad();
            model.forward(batch);
            check(name + " predictions", TestBuffers.read(backend, model.predictions()), values(c.get("predictions")),
                    rows * outputs, OUTPUT_TOLERANCE);
            if (c.get("scores").isNull()) {
                assertTrue(!model.routed(), name + ": the reference has no scores, so neither do we");
            } else {
                check(name + " scores", TestBuffers.read(backend, model.scores()), values(c.get("scores")),
                        rows * spec.rules(), OUTPUT_TOLERANCE);
            }
            Loss.forTask(classification).apply(backend, 1, rows * outputs, model.predictions(), batch.labels(),
                    model.gradPredictions(), loss, 1f, false);
            double lossError = Math.abs(TestBuffers.read(backend, loss)[0] - c.get("loss").asDouble())
                    / Math.abs(c.get("loss").asDouble());
            assertTrue(lossError < OUTPUT_TOLERANCE, name + " loss: relative error " + lossError);

            model.backward();
            if (c.get("family").asText().equals("rnn")) {
                backend.run(TestOps.clipGradNorm(1, arena.replicaStride(), arena.grad(), 0, arena.replicaStride(), 1f,
                        norm, 0));
                double expectedNorm = c.get("grad_norm_before_clip").asDouble();
                double normError = Math.abs(TestBuffers.read(backend, norm)[0] - expectedNorm) / expectedNorm;
                assertTrue(normError < GRADIENT_TOLERANCE, name + " gradient norm: relative error " + normError);
            }
            float[] grads = arena.download(arena.grad(), 0);
            for (Param p : model.params()) {
                JsonNode expected = c.get("grads").get(p.name());
                if (norm(values(expected)) < NOISE_GRADIENT) {
                    // zero in exact arithmetic, float noise in both: the key bias shifts a query's scores by one
                    // constant, which the softmax removes (PyTorch's norm is ~1e-11)
                    double ours = norm(slice(grads, p));
                    assertTrue(ours < 10 * NOISE_GRADIENT, name + " gradient of " + p.name() + ": norm " + ours
                            + ", zero in exact arithmetic");
                    continue;
                }
                check(name + " gradient of " + p.name(), slice(grads, p), values(expected), p.size(), GRADIENT_TOLERANCE);
            }

            JsonNode betas = c.get("adam").get("betas");
            assertEquals(Adam.BETA1, (float) betas.get(0).asDouble());
            assertEquals(Adam.BETA2, (float) betas.get(1).asDouble());
            assertEquals(Adam.EPS, (float) c.get("adam").get("eps").asDouble());
            // Adam steps from the reference's gradients: where a gradient is float noise around zero (monolithic
            // regression, decoder.0.bias[1] is -7.45e-9 in PyTorch, a sum of +-dy that cancels), its sign and size
            // depend on the summation order, and Adam turns any such noise into a step of about 0.4 lr.
            arena.upload(block(model.params(), c.get("grads"), arena.replicaStride()), arena.grad(), 0);
            adam.step();
            float[] after = arena.download(arena.data(), 0);
            for (Param p : model.params()) {
                check(name + " " + p.name() + " after Adam", slice(after, p), values(c.get("after_adam").get(p.name())),
                        p.size(), ADAM_TOLERANCE);
            }
        }
    }

    private static void check(String what, float[] actual, double[] expected, int n, double tolerance) {
        assertEquals(expected.length, n, what + ": size");
        float[] head = java.util.Arrays.copyOf(actual, n);
        double error = TestBuffers.relativeError(head, expected);
        assertTrue(error < tolerance, what + ": relative error " + error + " (tolerance " + tolerance + ")");
    }

    private static double norm(double[] v) {
        double sum = 0;
        for (double x : v) sum += x * x;
        return Math.sqrt(sum);
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) sum += (double) x * x;
        return Math.sqrt(sum);
    }

    private static List<String> names(JsonNode stateDict) {
        List<String> out = new ArrayList<>();
        stateDict.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** One replica block holding every tensor of a state_dict, checked against our shapes. */
    private static float[] block(List<Param> params, JsonNode stateDict, int size) {
        float[] out = new float[size];
        for (Param p : params) {
            JsonNode tensor = stateDict.get(p.name());
            assertArrayEquals(p.shape(), Golden.ints(tensor.get("shape")), p.name() + " shape");
            float[] v = floats(values(tensor));
            System.arraycopy(v, 0, out, p.start(), p.size());
        }
        return out;
    }

    private static double[] values(JsonNode tensor) {
        return Golden.doubles(tensor.get("data"));
    }

    private static float[] slice(float[] block, Param p) {
        return java.util.Arrays.copyOfRange(block, p.start(), p.start() + p.size());
    }

    private static float[] floats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }

    /** The reference's tokens (batch, length, F + R) = [features, onehot(rule)] as our inputs (rows, F). */
    private static float[] tokenFeatures(JsonNode sequences, int features) {
        List<Float> out = new ArrayList<>();
        for (JsonNode sequence : sequences) {
            for (JsonNode token : sequence) {
                for (int f = 0; f < features; f++) out.add((float) token.get(f).asDouble());
            }
        }
        float[] flat = new float[out.size()];
        for (int i = 0; i < flat.length; i++) flat[i] = out.get(i);
        return flat;
    }

    /** The reference's input rows [a, b, onehot(rule)] as our inputs (rows, 2). */
    private static float[] inputs(JsonNode rowsJson, int rows) {
        float[] out = new float[2 * rows];
        for (int i = 0; i < rows; i++) {
            out[2 * i] = (float) rowsJson.get(i).get(0).asDouble();
            out[2 * i + 1] = (float) rowsJson.get(i).get(1).asDouble();
        }
        return out;
    }
}
