package modarch.cli;

import modarch.Version;
import picocli.CommandLine;

final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"modarch " + Version.ENGINE + " (Java " + Runtime.version() + ")"};
    }
}
