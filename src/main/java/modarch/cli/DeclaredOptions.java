package modarch.cli;

import java.util.List;
import modarch.model.RunOption;
import modarch.train.TrainOptions;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** A command's options made from their declarations ({@link RunOption}): spelling, type, label, default and help. */
final class DeclaredOptions {
    private DeclaredOptions() {
    }

    /** Adds an option of command per declaration. */
    static CommandSpec add(CommandSpec command, List<RunOption> options) {
        for (RunOption option : options) {
            OptionSpec.Builder builder = OptionSpec.builder(option.cli()).type(option.type().boxed())
                    .paramLabel(option.label()).description(option.description());
            if (option.cliDefault() != null) builder.defaultValue(option.cliDefault());
            command.addOption(builder.build());
        }
        return command;
    }

    /** The value of a declared option given on command's command line, or null. */
    static Number given(CommandSpec command, RunOption option) {
        OptionSpec spec = command.findOption(option.cli());
        return command.commandLine().getParseResult().hasMatchedOption(spec) ? (Number) spec.getValue() : null;
    }

    /** A declared option's value: given, or its default. */
    static Number value(CommandSpec command, RunOption option) {
        return (Number) command.findOption(option.cli()).getValue();
    }

    /** The training options ({@link TrainOptions#all()}) of `train`. */
    static final class Training implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec command) {
            return add(command, TrainOptions.all());
        }
    }
}
