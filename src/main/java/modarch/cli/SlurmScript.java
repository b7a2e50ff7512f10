package modarch.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import modarch.UserError;

/**
 * The sbatch job array of a sweep: one array task per replica group, each running
 * {@code sweep run SWEEP --out RESULTS --group $SLURM_ARRAY_TASK_ID} into the shared results folder. Tasks are
 * requeued when preempted or when their node fails ({@code --requeue}), and a requeued task resumes its runs
 * from their last checkpoints; logs are appended, one file per task.
 *
 * <p>Every value is checked when the script is made, so none can end a line or start a command: an
 * {@code #SBATCH} value has no safe quoting (sbatch reads quotes, backslashes and {@code #} its own way, and a
 * newline ends the directive), so values outside a plain set of characters are refused; the launcher, refused only
 * when it holds a control character, is quoted for the shell and appears only in the last line, after every
 * directive.
 */
record SlurmScript(String jobName, int groups, String partition, String time, String account,
                   Integer gpusPerTask, int cpusPerTask, String memory, Integer maxParallel, String launcher, Path results) {
    /** What an #SBATCH value may hold. */
    private static final Pattern DIRECTIVE_SAFE = Pattern.compile("[A-Za-z0-9_.,:@%+=/-]+");
    /** What the results folder's path may hold: it is also in --output, where '%' starts a pattern and '\' stops them. */
    private static final Pattern PATH_SAFE = Pattern.compile("[A-Za-z0-9_.,:@+=/-]+");

    /** results: the absolute results folder; launcher: an absolute path, or a command name on the PATH. */
    SlurmScript {
        directive("--partition", partition);
        if (time != null) directive("--time", time);
        if (account != null) directive("--account", account);
        if (memory != null) directive("--mem", memory);
        directive("the job name (modarch- and the sweep's name)", jobName);
        if (gpusPerTask != null && gpusPerTask < 1) throw new UserError("--gpus-per-task " + gpusPerTask + " is not allowed: it must be >= 1");
        if (cpusPerTask < 1) throw new UserError("--cpus-per-task " + cpusPerTask + " is not allowed: it must be >= 1");
        if (maxParallel != null && maxParallel < 1) throw new UserError("--max-parallel " + maxParallel + " is not allowed: it must be >= 1");
        if (!PATH_SAFE.matcher(results.toString()).matches()) {
            throw new UserError("the results folder " + shown(results.toString()) + " (--out) is not allowed for a Slurm job:"
                    + " its absolute path goes into #SBATCH --output, so it must use only letters, digits and _ . , : @ + = / -");
        }
        if (launcher.chars().anyMatch(Character::isISOControl)) {
            throw new UserError("the launcher's path " + shown(launcher) + " holds a control character"
                    + " (a line break, a tab): a script line cannot call it; move modarch to a plain path");
        }
    }

    /** The sweep file the array tasks run: the copy in the results folder. */
    Path sweepFile() {
        return results.resolve("sweep.yaml");
    }

    /** Where the script goes. */
    Path file() {
        return results.resolve("slurm").resolve("sweep.sbatch");
    }

    /** The script's text: comments, then every directive, then the commands. */
    String text() {
        List<String> lines = new ArrayList<>();
        lines.add("#!/bin/bash");
        lines.add("# modarch sweep as a Slurm job array: array task i trains and measures replica group i.");
        lines.add("# Submit with: sbatch " + file());
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
        lines.add("exec " + InterruptHint.shellQuote(launcher) + " sweep run " + sweepFile() + " --out " + results
                + " --group \"$SLURM_ARRAY_TASK_ID\" --device " + (gpusPerTask == null ? "cpu" : "auto"));
        return String.join("\n", lines) + "\n";
    }

    private static void directive(String option, String value) {
        if (!DIRECTIVE_SAFE.matcher(value).matches()) {
            throw new UserError(option + " " + shown(value) + " is not allowed in an #SBATCH line:"
                    + " use letters, digits and _ . , : @ % + = / -");
        }
    }

    /** A value in an error message: quoted for the shell, its line breaks and tabs written as \n, \t and \r. */
    private static String shown(String value) {
        return InterruptHint.shellQuote(value).replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
    }
}
