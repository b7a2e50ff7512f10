package modarch.report;

import java.util.Locale;

/** Whether a run counts in the report: complete runs are aggregated, the others only counted and listed. */
public enum RunStatus {
    /** metrics.json measures the run's last iteration. */
    COMPLETE,
    /** No metrics.json, or one of an earlier iteration (training or evaluation not finished). */
    INCOMPLETE,
    /** log.jsonl records a divergence (a non-finite loss or parameter). */
    DIVERGED;

    /** As written in results.csv: complete, incomplete, diverged. */
    public String csvName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
