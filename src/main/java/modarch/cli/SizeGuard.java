package modarch.cli;

import java.io.IOException;
import modarch.UserError;

/**
 * Builds what a command's sizes ask for (a model and its buffers, all allocated up front) and turns sizes that
 * cannot be had into one line: arrays past 2^31 elements, or more memory than the JVM may take.
 */
final class SizeGuard {

    /** Something that allocates. */
    @FunctionalInterface
    interface Build<T> {
        T get() throws IOException;
    }

    private SizeGuard() {
    }

    /** sizes names the options behind the allocation, e.g. "--dim 2000000000 --batch-size 256". */
    static <T> T build(String sizes, Build<T> build) throws IOException {
        try {
            return build.get();
        } catch (ArithmeticException | NegativeArraySizeException overflow) {
            throw new UserError(sizes + " is too large: its buffers would pass 2^31 elements; choose smaller sizes");
        } catch (OutOfMemoryError memory) {
            throw new UserError(sizes + " needs more memory than the JVM may use (" + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB); choose smaller sizes, or raise the limit with MODARCH_JAVA_OPTS=-Xmx...");
        }
    }
}
