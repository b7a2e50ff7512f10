package modarch.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Grids of runs from a sweep file: plan them, run them here, or write a Slurm job array.",
        subcommands = {SweepPlanCommand.class, SweepRunCommand.class, SweepSlurmCommand.class})
final class SweepCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a sweep command is required: "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
