package modarch.backend;

/** An int array owned by a {@link Backend} (rule indices, counters); see {@link FloatBuf}. */
public interface IntBuf extends AutoCloseable {

    /** Number of ints. */
    int length();

    @Override
    void close();
}
