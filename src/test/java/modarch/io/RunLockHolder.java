package modarch.io;

import java.nio.file.Path;

/**
 * A second process for {@link RunLockTest}. {@code hold DIR}: takes the lock, prints "locked", and
 * keeps it until stdin closes. {@code try DIR}: tries once and prints "got" or "busy PID HOST".
 * It is also the only safe way to look at a lock held by the test JVM: opening {@code .lock} there
 * and closing it again would drop the lock.
 */
public final class RunLockHolder {
    private RunLockHolder() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        if (args[0].equals("hold")) {
            try (RunLock lock = RunLock.acquire(dir)) {
                System.out.println("locked");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // hold until the test closes our stdin or kills us
                }
            }
        } else {
            try (RunLock lock = RunLock.acquire(dir)) {
                System.out.println("got");
            } catch (RunLockedException e) {
                System.out.println("busy " + e.pid() + " " + e.host());
            }
        }
    }
}
