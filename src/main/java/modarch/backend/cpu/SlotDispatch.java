package modarch.backend.cpu;

import modarch.backend.Backend;

/**
 * The reference of top-k routing's sparse dispatch ({@link Backend#routingTopK}, {@link Backend#moduleDispatch},
 * {@link Backend#gatherSlots}, {@link Backend#scatterSlots}, {@link Backend#combineSlots},
 * {@link Backend#combineSlotsBackward}), over the buffers' arrays. Sums are float, in the documented orders, so
 * every backend can give the same bits. A slot is one (row, module) pair of a replica, rows * k of them.
 */
final class SlotDispatch {
    private static final ThreadLocal<TopKSelection> SELECTIONS = ThreadLocal.withInitial(TopKSelection::new);

    private SlotDispatch() {
    }

    /** probs and gates (m, n), chosen (m, k). */
    static void routingTopK(int m, int n, int k, float[] probs, float[] gates, int[] chosen) {
        if (k < 1 || k > n) throw new IllegalArgumentException("top-" + k + " routing of " + n + " modules");
        TopKSelection selection = SELECTIONS.get();
        for (int row = 0; row < m; row++) {
            int at = row * n;
            int kept = row * k;
            selection.select(probs, at, n, -1, k, chosen, kept);
            float sum = 0f;
            for (int j = 0; j < k; j++) sum += probs[at + chosen[kept + j]];
            java.util.Arrays.fill(gates, at, at + n, 0f);
            for (int j = 0; j < k; j++) {
                int module = chosen[kept + j];
                gates[at + module] = probs[at + module] / sum;
            }
        }
    }

    /** chosen (rep, rows, k); pairs (rep, rows * k); starts (rep, R + 1); rowSlots (rep, rows, k). */
    static void moduleDispatch(int rep, int rows, int modules, int k, int[] chosen, int[] pairs, int[] starts,
                               int[] rowSlots) {
        int slots = rows * k;
        for (int r = 0; r < rep; r++) {
            int first = r * slots;   // the replica's first (row, j) in chosen and rowSlots, and its first slot
            int bounds = r * (modules + 1);
            java.util.Arrays.fill(starts, bounds, bounds + modules + 1, 0);
            for (int i = 0; i < slots; i++) starts[bounds + chosen[first + i] + 1]++;
            for (int m = 0; m < modules; m++) starts[bounds + m + 1] += starts[bounds + m];
            // module m's next free slot, kept in starts[m] while filling, then moved back
            for (int row = 0; row < rows; row++) {
                for (int j = 0; j < k; j++) {
                    int module = chosen[first + row * k + j];
                    int slot = starts[bounds + module]++;
                    pairs[first + slot] = row * modules + module;
                    rowSlots[first + row * k + j] = slot;
                }
            }
            for (int m = modules; m > 0; m--) starts[bounds + m] = starts[bounds + m - 1];
            starts[bounds] = 0;
        }
    }

    /** src (rep, rows, [R,] width), dst (rep, rows * k, width). */
    static void gatherSlots(int rep, int rows, int modules, int k, int width, boolean perModule, int[] pairs,
                            float[] src, float[] dst) {
        int slots = rows * k;
        int srcStride = rows * (perModule ? modules : 1) * width;
        for (int r = 0; r < rep; r++) {
            for (int s = 0; s < slots; s++) {
                int pair = pairs[r * slots + s];
                int block = perModule ? pair : pair / modules;
                System.arraycopy(src, r * srcStride + block * width, dst, (r * slots + s) * width, width);
            }
        }
    }

    /** src (rep, rows * k, width), dst (rep, rows, [R,] width). */
    static void scatterSlots(int rep, int rows, int modules, int k, int width, boolean perModule, int[] pairs,
                             int[] rowSlots, float[] src, float[] dst) {
        int slots = rows * k;
        int rowWidth = (perModule ? modules : 1) * width;
        for (int r = 0; r < rep; r++) {
            for (int row = 0; row < rows; row++) {
                int out = (r * rows + row) * rowWidth;
                java.util.Arrays.fill(dst, out, out + rowWidth, 0f);
                for (int j = 0; j < k; j++) {
                    int slot = rowSlots[(r * rows + row) * k + j];
                    int from = (r * slots + slot) * width;
                    int to = perModule ? out + pairs[r * slots + slot] % modules * width : out;
                    for (int c = 0; c < width; c++) dst[to + c] += src[from + c];
                }
            }
        }
    }

    /** gates (rep, rows, R), values (rep, rows * k, width), out (rep, rows, width). */
    static void combineSlots(int rep, int rows, int modules, int k, int width, int[] pairs, int[] rowSlots,
                             float[] gates, float[] values, float[] out) {
        int slots = rows * k;
        for (int r = 0; r < rep; r++) {
            for (int row = 0; row < rows; row++) {
                int to = (r * rows + row) * width;
                java.util.Arrays.fill(out, to, to + width, 0f);
                for (int j = 0; j < k; j++) {
                    int slot = rowSlots[(r * rows + row) * k + j];
                    float gate = gates[(r * rows + row) * modules + pairs[r * slots + slot] % modules];
                    int from = (r * slots + slot) * width;
                    for (int c = 0; c < width; c++) out[to + c] += gate * values[from + c];
                }
            }
        }
    }

    /** As {@link #combineSlots}; gradOut (rep, rows, width), gradValues (rep, rows * k, width), gradGates (rep, rows, R). */
    static void combineSlotsBackward(int rep, int rows, int modules, int k, int width, int[] pairs, int[] rowSlots,
                                     float[] gates, float[] values, float[] gradOut, float[] gradValues,
                                     float[] gradGates) {
        int slots = rows * k;
        for (int r = 0; r < rep; r++) {
            for (int row = 0; row < rows; row++) {
                int gateRow = (r * rows + row) * modules;
                java.util.Arrays.fill(gradGates, gateRow, gateRow + modules, 0f);
                int dy = (r * rows + row) * width;
                for (int j = 0; j < k; j++) {
                    int slot = rowSlots[(r * rows + row) * k + j];
                    int module = pairs[r * slots + slot] % modules;
                    float gate = gates[gateRow + module];
                    int at = (r * slots + slot) * width;
                    float dot = 0f;
                    for (int c = 0; c < width; c++) {
                        gradValues[at + c] = gate * gradOut[dy + c];
                        dot += gradOut[dy + c] * values[at + c];
                    }
                    gradGates[gateRow + module] = dot;
                }
            }
        }
    }
}
