package modarch.cli;

import java.nio.file.Path;

/** A process for {@link InterruptHintTest}: {@code finish} ends on its own, {@code wait} waits to be killed. */
public final class InterruptHintDemo {
    private InterruptHintDemo() {
    }

    public static void main(String[] args) throws Exception {
        try (InterruptHint hint = InterruptHint.install(InterruptHint.resumeCommand(Path.of("runs/a")))) {
            if (args[0].equals("wait")) {
                System.out.println("ready");
                System.out.flush();
                Thread.sleep(60_000);
            }
        }
    }
}
