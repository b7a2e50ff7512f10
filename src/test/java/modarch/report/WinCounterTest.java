package modarch.report;

import static modarch.model.ModelKind.GT_MODULAR;
import static modarch.model.ModelKind.MODULAR;
import static modarch.model.ModelKind.MODULAR_OP;
import static modarch.model.ModelKind.MONOLITHIC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import modarch.model.ModelKind;
import org.junit.jupiter.api.Test;

/** The reference's ranking (compute.py get_min/rank) on a hand-made grid. */
class WinCounterTest {
    private final List<RunRow> rows = new ArrayList<>();

    /** A complete mlp-regression run of rules 2 with the given loss, and OoD loss 1 - loss. */
    private void run(ModelKind kind, int encDim, long dataSeed, long seed, double loss) {
        rows.add(new RunRow("r" + rows.size(), TestRuns.mlp("mlp-regression", kind, 2, encDim, 128, dataSeed, seed),
                "cpu", 1, Double.NaN, 1.0, "id", RunStatus.COMPLETE, "",
                Map.of("loss", loss, "ood_loss", 1 - loss), null, List.of()));
    }

    private Section grid() {
        // cell 1 (data seed 0): Monolithic has the lowest loss; Modular the lowest OoD loss
        run(GT_MODULAR, 32, 0, 0, 0.30);
        run(MODULAR_OP, 32, 0, 0, 0.20);
        run(MONOLITHIC, 32, 0, 0, 0.10);
        run(MODULAR, 32, 0, 0, 0.40);
        // cell 2: Modular-op, Monolithic and Modular tie at 0.1: the reference's order gives it to Modular-op, and
        // in the sub ranking to Monolithic (listed before Modular there, after it in the paper's tables)
        run(GT_MODULAR, 32, 1, 0, 0.20);
        run(MODULAR_OP, 32, 1, 0, 0.10);
        run(MONOLITHIC, 32, 1, 0, 0.10);
        run(MODULAR, 32, 1, 0, 0.10);
        // cell 3: means over two seeds: Modular 0.2 beats Monolithic 0.305 although Monolithic has the best seed
        run(GT_MODULAR, 32, 2, 0, 0.30);
        run(MODULAR_OP, 32, 2, 0, 0.30);
        run(MONOLITHIC, 32, 2, 0, 0.01);
        run(MONOLITHIC, 32, 2, 1, 0.60);
        run(MODULAR, 32, 2, 0, 0.05);
        run(MODULAR, 32, 2, 1, 0.35);
        // cell 4: no GT-Modular: skipped by the full ranking, Modular wins the sub ranking
        run(MODULAR_OP, 32, 3, 0, 0.30);
        run(MONOLITHIC, 32, 3, 0, 0.20);
        run(MODULAR, 32, 3, 0, 0.10);
        // cell 5 (another capacity): neither Modular nor Monolithic: skipped by both rankings
        run(GT_MODULAR, 64, 0, 0, 0.01);
        run(MODULAR_OP, 64, 0, 0, 0.02);
        return Section.of(rows).get(0);
    }

    @Test
    void winsInTheReferenceOrderWithTiesToTheFirst() {
        WinCounter.Wins id = WinCounter.count(grid(), Quantity.ID, Kinds.RANKING);
        assertEquals(List.of(GT_MODULAR, MODULAR_OP, MONOLITHIC, MODULAR), id.kinds());
        assertArrayEquals(new int[] {0, 1, 1, 1}, id.counts(), "cell 1 Monolithic, 2 Modular-op (tie), 3 Modular");
        assertEquals(3, id.cells());
        assertEquals(2, id.skipped());
    }

    @Test
    void subRankingComparesModularAndMonolithicOnly() {
        WinCounter.Wins sub = WinCounter.count(grid(), Quantity.ID, Kinds.SUB_RANKING);
        assertEquals(List.of(MONOLITHIC, MODULAR), sub.kinds());
        assertArrayEquals(new int[] {2, 2}, sub.counts(), "cells 1, 2 (tie) Monolithic; 3, 4 Modular");
        assertEquals(4, sub.cells());
        assertEquals(1, sub.skipped());
        assertEquals(2, sub.count(MODULAR));
        assertEquals(0, sub.count(GT_MODULAR));
    }

    /** OoD 1 - loss: cell 1 Modular (0.6), cell 2 GT-Modular (0.8), cell 3 Monolithic (mean 0.695 < 0.7 < 0.8). */
    @Test
    void oodIsRankedOnItsOwn() {
        WinCounter.Wins ood = WinCounter.count(grid(), Quantity.OOD, Kinds.RANKING);
        assertArrayEquals(new int[] {1, 0, 1, 1}, ood.counts());
        assertEquals(3, ood.cells());
    }

    @Test
    void onlyTheKindsOfTheVariantAreCompared() {
        run(MONOLITHIC, 32, 0, 0, 0.1);
        run(MODULAR, 32, 0, 0, 0.2);
        run(MODULAR, 32, 1, 0, 0.1);
        WinCounter.Wins wins = WinCounter.count(Section.of(rows).get(0), Quantity.ID, Kinds.RANKING);
        assertEquals(List.of(MONOLITHIC, MODULAR), wins.kinds());
        assertArrayEquals(new int[] {1, 0}, wins.counts());
        assertEquals(1, wins.skipped(), "data seed 1 has no Monolithic run");
    }

    @Test
    void aSectionWithoutTheComparedKindsCountsNoCell() {
        run(GT_MODULAR, 32, 0, 0, 0.30);
        run(MODULAR_OP, 32, 0, 0, 0.20);
        run(GT_MODULAR, 32, 1, 0, 0.30);
        run(MODULAR_OP, 32, 1, 0, 0.20);
        WinCounter.Wins sub = WinCounter.count(Section.of(rows).get(0), Quantity.ID, Kinds.SUB_RANKING);
        assertEquals(List.of(), sub.kinds());
        assertEquals(0, sub.cells());
        assertEquals(2, sub.skipped(), "each cell lacks Modular and Monolithic");
    }
}
