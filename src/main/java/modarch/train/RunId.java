package modarch.train;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run's stable id: the first 10 hex digits of the SHA-256 of its configuration (every option of config.json,
 * keys sorted, as "key=value" lines). The same options give the same id on every machine and in every version of
 * the sweep file; any change of an option (seeds, iterations and a precision other than fp32 included) gives
 * another.
 */
public final class RunId {
    public static final int LENGTH = 10;

    private RunId() {
    }

    public static String of(TrainConfig config) {
        StringBuilder canonical = new StringBuilder();
        for (Map.Entry<String, Object> e : new TreeMap<>(config.toMap()).entrySet()) {
            canonical.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (int i = 0; hex.length() < LENGTH; i++) hex.append(String.format("%02x", hash[i]));
            return hex.substring(0, LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
