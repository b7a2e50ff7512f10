package modarch.io;

import java.io.IOException;

/** A consumer that may throw {@link IOException}: the body of a streaming {@link AtomicFiles#write(java.nio.file.Path, IOConsumer)}. */
@FunctionalInterface
public interface IOConsumer<T> {
    void accept(T value) throws IOException;
}
