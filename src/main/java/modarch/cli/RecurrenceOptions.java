package modarch.cli;

import picocli.CommandLine.Option;

/** The RNN tasks' --d-dim and --order, of every command that makes an RNN task instance. */
final class RecurrenceOptions {
    @Option(names = "--d-dim", description = "rnn tasks: state dimension d (default 32)")
    Integer dDim;

    @Option(names = "--order", description = "rnn tasks: how many past states each state depends on (default 1)")
    Integer order;

    /** True when either is given. */
    boolean given() {
        return dDim != null || order != null;
    }
}
