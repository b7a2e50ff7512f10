package modarch.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The sbatch job array of a sweep: one array task per replica group, each running
 * {@code sweep run SWEEP --out RESULTS --group $SLURM_ARRAY_TASK_ID} into the shared results folder. Tasks are
 * requeued when preempted or when their node fails ({@code --requeue}), and a requeued task resumes its runs
 * from their last checkpoints; logs are appended, one file per task.
 */
record SlurmScript(String jobName, int groups, String partition, String time, String account,
                          Integer gpusPerTask, int cpusPerTask, String memory, Integer maxParallel) {

    /** The script's text; launcher, sweepFile and results are absolute paths. */
    String text(String launcher, Path sweepFile, Path results) {
        List<String> lines = new ArrayList<>();
        lines.add("#!/bin/bash");
        lines.add("# modarch sweep as a Slurm job array: array task i trains and measures replica group i.");
        lines.add("# Submit with: sbatch " + InterruptHint.shellQuote(results.resolve("slurm").resolve("sweep.sbatch").toString()));
        lines.add("#SBATCH --job-name=" + jobName);
        lines.add("#SBATCH --partition=" + partition);
        lines.add("#SBATCH --array=0-" + (groups - 1) + (maxParallel == null ? "" : "%" + maxParallel));
        lines.add("#SBATCH --ntasks=1");
        lines.add("#SBATCH --cpus-per-task=" + cpusPerTask);
        if (gpusPerTask != null) lines.add("#SBATCH --gpus-per-task=" + gpusPerTask);
        if (memory != null) lines.add("#SBATCH --mem=" + memory);
        if (time != null) lines.add("#SBATCH --time=" + time);
        if (account != null) lines.add("#SBATCH --account=" + account);
        lines.add("#SBATCH --requeue");
        lines.add("#SBATCH --open-mode=append");
        lines.add("#SBATCH --output=" + results.resolve("slurm").resolve("group-%a.log"));
        lines.add("set -euo pipefail");
        lines.add("echo \"modarch: array task $SLURM_ARRAY_TASK_ID on $(hostname), job $SLURM_JOB_ID, restart ${SLURM_RESTART_COUNT:-0}\"");
        lines.add("export MODARCH_NO_BUILD=1 # every task runs the jar as built when the script was written");
        lines.add("exec " + InterruptHint.shellQuote(launcher) + " sweep run " + InterruptHint.shellQuote(sweepFile.toString()) + " --out "
                + InterruptHint.shellQuote(results.toString()) + " --group \"$SLURM_ARRAY_TASK_ID\" --device " + (gpusPerTask == null ? "cpu" : "auto"));
        return String.join("\n", lines) + "\n";
    }
}
