package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import modarch.backend.ops.GemmSegmentedWeightGrad;
import modarch.backend.ops.GemmSegmented;
import modarch.backend.ops.CombineSlotsBackward;
import modarch.backend.ops.CombineSlots;
import modarch.backend.ops.ScatterSlots;
import modarch.backend.ops.GatherSlots;
import modarch.backend.ops.ModuleDispatch;
import modarch.backend.ops.RoutingTopK;
import java.util.List;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import org.junit.jupiter.api.Test;

/**
 * Top-k routing's sparse dispatch on every CPU backend against the definitions written out here in double: the
 * selection (ties to the lower module, k = R keeps all), the permutation (grouped by module, rows increasing), the
 * gather and its adjoint, the gate-weighted combine and its gradients, and the segmented products against one dense
 * product per module.
 */
class SlotDispatchTest {
    private static final List<Backend> BACKENDS = List.of(new ScalarBackend(), new VectorBackend());
    private static final double TOL = 1e-5;

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    /** Row-wise softmax of random logits, (m, n). */
    private static float[] probs(SplittableRandom rnd, int m, int n) {
        float[] p = gaussian(rnd, m * n);
        for (int row = 0; row < m; row++) {
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(3 * p[row * n + j]);
            for (int j = 0; j < n; j++) p[row * n + j] = (float) (Math.exp(3 * p[row * n + j]) / sum);
        }
        return p;
    }

    /** What {@link Backend#routingTopK} returns: gates and chosen. */
    private record TopK(float[] gates, int[] chosen) {
        static TopK of(Backend backend, int m, int n, int k, float[] probs) {
            try (FloatBuf p = TestBuffers.of(backend, probs); FloatBuf g = backend.allocFloats(m * n);
                 IntBuf c = backend.allocInts(m * k)) {
                backend.run(new RoutingTopK(m, n, k, p, g, c));
                return new TopK(TestBuffers.read(backend, g), TestBuffers.readInts(backend, c));
            }
        }
    }

    @Test
    void topKKeepsTheHighestProbabilitiesRenormalisedAndBreaksTiesToTheLowerModule() {
        float[] probs = {0.1f, 0.3f, 0.3f, 0.3f, /* ties */ 0.4f, 0.05f, 0.05f, 0.5f};
        for (Backend backend : BACKENDS) {
            TopK top = TopK.of(backend, 2, 4, 2, probs);
            assertArrayEquals(new int[] {1, 2, 0, 3}, top.chosen, backend.name());
            assertArrayEquals(new float[] {0, 0.5f, 0.5f, 0, 0.4f / 0.9f, 0, 0, 0.5f / 0.9f}, top.gates, 1e-7f);
        }
    }

    @Test
    void topKOfAllModulesKeepsEveryModuleWithGatesThatAreTheProbabilities() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] probs = probs(rnd, 7, 5);
        for (Backend backend : BACKENDS) {
            TopK top = TopK.of(backend, 7, 5, 5, probs);
            for (int row = 0; row < 7; row++) {
                for (int j = 0; j < 5; j++) assertEquals(j, top.chosen[row * 5 + j]);
            }
            assertArrayEquals(probs, top.gates, 1e-6f);
        }
    }

    /** One replica set's dispatch: pairs, starts and rowSlots. */
    private record Dispatch(int[] pairs, int[] starts, int[] rowSlots) {
        static Dispatch of(Backend backend, int rep, int rows, int modules, int k, int[] chosen) {
            try (IntBuf c = TestBuffers.ofInts(backend, chosen); IntBuf p = backend.allocInts(rep * rows * k);
                 IntBuf s = backend.allocInts(rep * (modules + 1)); IntBuf rs = backend.allocInts(rep * rows * k)) {
                backend.run(new ModuleDispatch(rep, rows, modules, k, c, p, s, rs));
                return new Dispatch(TestBuffers.readInts(backend, p), TestBuffers.readInts(backend, s),
                        TestBuffers.readInts(backend, rs));
            }
        }
    }

    /** chosen (rep, rows, k): k distinct modules per row, increasing. */
    private static int[] chosen(SplittableRandom rnd, int rep, int rows, int modules, int k) {
        int[] chosen = new int[rep * rows * k];
        for (int row = 0; row < rep * rows; row++) {
            int[] pick = rnd.ints(0, modules).distinct().limit(k).sorted().toArray();
            System.arraycopy(pick, 0, chosen, row * k, k);
        }
        return chosen;
    }

    @Test
    void theDispatchGroupsPairsByModuleWithRowsIncreasing() {
        SplittableRandom rnd = new SplittableRandom(5);
        int rep = 3, rows = 11, modules = 6, k = 2, slots = rows * k;
        int[] chosen = chosen(rnd, rep, rows, modules, k);
        for (Backend backend : BACKENDS) {
            Dispatch d = Dispatch.of(backend, rep, rows, modules, k, chosen);
            for (int r = 0; r < rep; r++) {
                int[] expected = new int[slots];
                for (int i = 0; i < slots; i++) {
                    expected[i] = (i / k) * modules + chosen[r * slots + i];
                }
                // sorted by module, then row: the stable counting sort's order
                Integer[] order = Arrays.stream(expected).boxed().toArray(Integer[]::new);
                Arrays.sort(order, (a, b) -> a % modules != b % modules ? a % modules - b % modules : a - b);
                for (int s = 0; s < slots; s++) assertEquals(order[s], d.pairs[r * slots + s], "slot " + s);
                assertEquals(0, d.starts[r * (modules + 1)]);
                assertEquals(slots, d.starts[r * (modules + 1) + modules]);
                for (int m = 0; m < modules; m++) {
                    for (int s = d.starts[r * (modules + 1) + m]; s < d.starts[r * (modules + 1) + m + 1]; s++) {
                        assertEquals(m, d.pairs[r * slots + s] % modules);
                    }
                }
                for (int i = 0; i < slots; i++) {
                    int slot = d.rowSlots[r * slots + i];
                    assertEquals((i / k) * modules + chosen[r * slots + i], d.pairs[r * slots + slot]);
                }
            }
        }
    }

    @Test
    void gatherScatterAndCombineMatchTheirDefinitions() {
        SplittableRandom rnd = new SplittableRandom(9);
        int rep = 2, rows = 9, modules = 5, k = 2, width = 3, slots = rows * k;
        int[] chosen = chosen(rnd, rep, rows, modules, k);
        float[] shared = gaussian(rnd, rep * rows * width);
        float[] blocks = gaussian(rnd, rep * rows * modules * width);
        float[] slotValues = gaussian(rnd, rep * slots * width);
        float[] gates = gaussian(rnd, rep * rows * modules);
        float[] gradOut = gaussian(rnd, rep * rows * width);
        for (Backend backend : BACKENDS) {
            Dispatch d = Dispatch.of(backend, rep, rows, modules, k, chosen);
            try (IntBuf pairs = TestBuffers.ofInts(backend, d.pairs); IntBuf rowSlots = TestBuffers.ofInts(backend, d.rowSlots);
                 FloatBuf sharedBuf = TestBuffers.of(backend, shared); FloatBuf blockBuf = TestBuffers.of(backend, blocks);
                 FloatBuf values = TestBuffers.of(backend, slotValues); FloatBuf gateBuf = TestBuffers.of(backend, gates);
                 FloatBuf dy = TestBuffers.of(backend, gradOut); FloatBuf slotOut = backend.allocFloats(rep * slots * width);
                 FloatBuf rowOut = backend.allocFloats(rep * rows * width);
                 FloatBuf blockOut = backend.allocFloats(rep * rows * modules * width);
                 FloatBuf gradGates = backend.allocFloats(rep * rows * modules)) {
                for (int r = 0; r < rep; r++) {
                    for (int s = 0; s < slots; s++) {
                        int pair = d.pairs[r * slots + s];
                        int row = pair / modules, m = pair % modules;
                        backend.run(new GatherSlots(rep, rows, modules, k, width, false, pairs, sharedBuf, slotOut));
                        float[] got = TestBuffers.read(backend, slotOut);
                        backend.run(new GatherSlots(rep, rows, modules, k, width, true, pairs, blockBuf, slotOut));
                        float[] gotBlocks = TestBuffers.read(backend, slotOut);
                        for (int c = 0; c < width; c++) {
                            assertEquals(shared[(r * rows + row) * width + c], got[(r * slots + s) * width + c]);
                            assertEquals(blocks[((r * rows + row) * modules + m) * width + c],
                                    gotBlocks[(r * slots + s) * width + c]);
                        }
                    }
                }
                // the adjoints: <gather(x), v> = <x, scatter(v)>, shared and per module
                backend.run(new GatherSlots(rep, rows, modules, k, width, false, pairs, sharedBuf, slotOut));
                backend.run(new ScatterSlots(rep, rows, modules, k, width, false, pairs, rowSlots, values, rowOut));
                assertEquals(dot(TestBuffers.read(backend, slotOut), slotValues), dot(shared, TestBuffers.read(backend, rowOut)), TOL);
                backend.run(new GatherSlots(rep, rows, modules, k, width, true, pairs, blockBuf, slotOut));
                backend.run(new ScatterSlots(rep, rows, modules, k, width, true, pairs, rowSlots, values, blockOut));
                assertEquals(dot(TestBuffers.read(backend, slotOut), slotValues), dot(blocks, TestBuffers.read(backend, blockOut)), TOL);
                // the combine: out[row] = sum over chosen m of gate[row][m] values[slot(row, m)]
                backend.run(new CombineSlots(rep, rows, modules, k, width, pairs, rowSlots, gateBuf, values, rowOut));
                float[] out = TestBuffers.read(backend, rowOut);
                backend.run(new CombineSlotsBackward(rep, rows, modules, k, width, pairs, rowSlots, gateBuf, values, dy,
                        slotOut, gradGates));
                float[] gradValues = TestBuffers.read(backend, slotOut);
                float[] gradGate = TestBuffers.read(backend, gradGates);
                for (int r = 0; r < rep; r++) {
                    for (int row = 0; row < rows; row++) {
                        double[] expected = new double[width];
                        double[] expectedGateGrad = new double[modules];
                        for (int j = 0; j < k; j++) {
                            int m = chosen[(r * rows + row) * k + j];
                            int slot = d.rowSlots[(r * rows + row) * k + j];
                            double gate = gates[(r * rows + row) * modules + m];
                            for (int c = 0; c < width; c++) {
                                double v = slotValues[(r * slots + slot) * width + c];
                                double g = gradOut[(r * rows + row) * width + c];
                                expected[c] += gate * v;
                                expectedGateGrad[m] += g * v;
                                assertEquals(gate * g, gradValues[(r * slots + slot) * width + c], TOL);
                            }
                        }
                        for (int c = 0; c < width; c++) assertEquals(expected[c], out[(r * rows + row) * width + c], TOL);
                        for (int m = 0; m < modules; m++) {
                            assertEquals(expectedGateGrad[m], gradGate[(r * rows + row) * modules + m], TOL);
                        }
                    }
                }
            }
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    @Test
    void segmentedProductsAreEachModulesProductOverItsRows() {
        SplittableRandom rnd = new SplittableRandom(11);
        int rep = 2, rows = 13, modules = 4, k = 1, slots = rows * k, kdim = 5, n = 3, ldw = n + 1;
        int[] chosen = new int[rep * rows];
        for (int i = 0; i < chosen.length; i++) chosen[i] = i % 7 == 0 ? 0 : 1 + rnd.nextInt(modules - 2); // module 3 empty
        int wModule = kdim * ldw, wRep = modules * wModule;
        float[] w = gaussian(rnd, rep * wRep);
        float[] bias = gaussian(rnd, rep * modules * ldw);
        float[] a = gaussian(rnd, rep * slots * kdim);
        float[] d = gaussian(rnd, rep * slots * n);
        for (Backend backend : BACKENDS) {
            Dispatch dispatch = Dispatch.of(backend, rep, rows, modules, k, chosen);
            assertEquals(dispatch.starts[modules - 1], dispatch.starts[modules], "module 3 has no rows");
            float[] before = new float[rep * slots * n];
            Arrays.fill(before, Float.NaN); // overwritten everywhere: every slot belongs to one module
            try (IntBuf starts = TestBuffers.ofInts(backend, dispatch.starts); FloatBuf wb = TestBuffers.of(backend, w);
                 FloatBuf bb = TestBuffers.of(backend, bias); FloatBuf ab = TestBuffers.of(backend, a);
                 FloatBuf db = TestBuffers.of(backend, d); FloatBuf c = TestBuffers.of(backend, before);
                 FloatBuf gw = backend.allocFloats(rep * wRep); FloatBuf gb = backend.allocFloats(rep * modules * ldw)) {
                backend.run(new GemmSegmented(rep, modules, starts, slots, false, n, kdim, ab, wb, 0, ldw, wModule, wRep,
                        c, bb, 0, ldw, modules * ldw, true, Precision.FP32));
                float[] out = TestBuffers.read(backend, c);
                backend.run(new GemmSegmentedWeightGrad(rep, modules, starts, slots, n, kdim, ab, db, gw, 0, ldw, wModule, wRep,
                        gb, 0, ldw, modules * ldw, Precision.FP32));
                float[] gradW = TestBuffers.read(backend, gw);
                float[] gradB = TestBuffers.read(backend, gb);
                for (int r = 0; r < rep; r++) {
                    double[][] expectedW = new double[modules][kdim * n];
                    double[][] expectedB = new double[modules][n];
                    for (int s = 0; s < slots; s++) {
                        int m = dispatch.pairs[r * slots + s] % modules;
                        for (int col = 0; col < n; col++) {
                            double sum = bias[(r * modules + m) * ldw + col];
                            for (int i = 0; i < kdim; i++) {
                                sum += a[(r * slots + s) * kdim + i] * w[r * wRep + m * wModule + i * ldw + col];
                                expectedW[m][i * n + col] += a[(r * slots + s) * kdim + i] * d[(r * slots + s) * n + col];
                            }
                            assertEquals(Math.max(0, sum), out[(r * slots + s) * n + col], TOL);
                            expectedB[m][col] += d[(r * slots + s) * n + col];
                        }
                    }
                    for (int m = 0; m < modules; m++) {
                        for (int i = 0; i < kdim; i++) {
                            for (int col = 0; col < ldw; col++) {
                                double expected = col < n ? expectedW[m][i * n + col] : 0;
                                assertEquals(expected, gradW[r * wRep + m * wModule + i * ldw + col], TOL);
                            }
                        }
                        for (int col = 0; col < ldw; col++) {
                            assertEquals(col < n ? expectedB[m][col] : 0, gradB[(r * modules + m) * ldw + col], TOL);
                        }
                    }
                }
                // transposed: d (slots, n) . w_m^T, the same w_m (kdim, n) read as the stored (n', kdim') = (kdim, n)
                backend.run(new GemmSegmented(rep, modules, starts, slots, true, kdim, n, db, wb, 0, ldw, wModule, wRep,
                        ab, null, 0, 0, 0, false, Precision.FP32));
                float[] back = TestBuffers.read(backend, ab);
                for (int r = 0; r < rep; r++) {
                    for (int s = 0; s < slots; s++) {
                        int m = dispatch.pairs[r * slots + s] % modules;
                        for (int i = 0; i < kdim; i++) {
                            double sum = 0;
                            for (int col = 0; col < n; col++) {
                                sum += d[(r * slots + s) * n + col] * w[r * wRep + m * wModule + i * ldw + col];
                            }
                            assertEquals(sum, back[(r * slots + s) * kdim + i], TOL);
                        }
                    }
                }
            }
        }
    }
}
