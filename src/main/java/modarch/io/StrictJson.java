package modarch.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Strict reading of the JSON files a user may hand-edit or hand over (run configs, activation
 * matrices): one JSON value per file, no duplicate keys, no trailing data, no NaN/Infinity tokens;
 * fractional numbers are kept exactly as {@link BigDecimal} (so {@code 4.9} and {@code 1e400} are
 * reported as written), integers as Integer, Long or BigInteger by size.
 *
 * <p>Every fault is an {@link IOException} with one line naming the file: a {@link NoSuchFileException}
 * or {@link AccessDeniedException} when the file cannot be read, otherwise a {@link CorruptFileException}
 * ({@code "<path>: <fault>"}), also for the schema checks {@link #requireInt} and friends.
 */
public final class StrictJson {
    /** The strict mapper: duplicate keys and trailing tokens refused, floats as BigDecimal. */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    /** Reads one value and leaves what follows to the caller, which names it better than Jackson. */
    private static final ObjectReader LENIENT_END = MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    private StrictJson() {
    }

    /** The file's single JSON object, keys in file order. */
    public static Map<String, Object> readObject(Path path) throws IOException {
        JsonNode root = readTree(path);
        if (!root.isObject()) {
            throw new CorruptFileException(path, "expected a JSON object {...}, found " + describe(root));
        }
        return MAPPER.convertValue(root, MAP);
    }

    /** The file's single JSON value as a tree (fractional numbers as exact DecimalNodes). */
    public static JsonNode readTree(Path path) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "no such file");
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(path.toString(), null, "permission denied");
        }
        return parse(bytes, path);
    }

    /** Parses one JSON value from {@code bytes}; {@code path} only names the source in messages. */
    public static JsonNode parse(byte[] bytes, Path path) throws IOException {
        try (JsonParser parser = MAPPER.createParser(bytes)) {
            if (parser.nextToken() == null) throw new CorruptFileException(path, "empty, expected JSON");
            JsonNode root = LENIENT_END.readTree(parser);
            JsonLocation trailing = null;
            try {
                if (parser.nextToken() != null) trailing = parser.currentTokenLocation();
            } catch (JsonProcessingException e) {
                trailing = e.getLocation() != null ? e.getLocation() : parser.currentLocation();
            }
            if (trailing != null) {
                throw new CorruptFileException(path, "trailing data after the JSON value" + at(trailing));
            }
            return root;
        } catch (CorruptFileException e) {
            throw e;
        } catch (JsonProcessingException e) {
            String fault = e.getOriginalMessage().lines().findFirst().orElse("").trim();
            if (fault.startsWith("Duplicate field")) {
                fault = fault.replaceFirst("^Duplicate field '(.*)'$", "duplicate key \"$1\"");
            } else if (fault.startsWith("Unexpected end-of-input")) {
                fault = "truncated (" + fault + ")";
            }
            throw new CorruptFileException(path, "not valid JSON: " + oneLine(fault) + at(e.getLocation()));
        }
    }

    /** {@code map[key]} as a JSON string. */
    public static String requireString(Map<String, ?> map, String key, Path path) throws IOException {
        Object v = require(map, key, path);
        if (!(v instanceof String)) throw wrongType(path, key, "a string", v);
        return (String) v;
    }

    /** {@code map[key]} as a JSON integer (no fraction, no exponent) in int range. */
    public static int requireInt(Map<String, ?> map, String key, Path path) throws IOException {
        BigInteger v = integer(map, key, path);
        if (v.bitLength() > 31) {
            throw new CorruptFileException(path, quote(key) + " is out of range for an integer ("
                    + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE + "), got " + v);
        }
        return v.intValue();
    }

    /** {@code map[key]} as a JSON integer (no fraction, no exponent) in long range. */
    public static long requireLong(Map<String, ?> map, String key, Path path) throws IOException {
        BigInteger v = integer(map, key, path);
        if (v.bitLength() > 63) {
            throw new CorruptFileException(path, quote(key) + " is out of range for a 64-bit integer, got " + v);
        }
        return v.longValue();
    }

    /** {@code map[key]} as a finite double: any JSON number whose magnitude fits a double. */
    public static double requireDouble(Map<String, ?> map, String key, Path path) throws IOException {
        Object v = require(map, key, path);
        if (!(v instanceof Number) || v instanceof Float || v instanceof Double && !Double.isFinite((Double) v)) {
            throw wrongType(path, key, "a finite number", v);
        }
        double d = Double.parseDouble(v.toString()); // correctly rounded, unlike BigDecimal.doubleValue() on JDK 17
        if (!Double.isFinite(d)) {
            throw new CorruptFileException(path, quote(key) + " is too large for a double, got " + v);
        }
        return d;
    }

    /** {@code map[key]} as a JSON boolean. */
    public static boolean requireBoolean(Map<String, ?> map, String key, Path path) throws IOException {
        Object v = require(map, key, path);
        if (!(v instanceof Boolean)) throw wrongType(path, key, "true or false", v);
        return (Boolean) v;
    }

    /** Refuses any key of {@code map} not in {@code allowed}, naming the first in file order. */
    public static void refuseUnknownKeys(Map<String, ?> map, Collection<String> allowed, Path path) throws IOException {
        for (String key : map.keySet()) {
            if (!allowed.contains(key)) {
                throw new CorruptFileException(path, "unknown key " + quote(key) + " (allowed: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static BigInteger integer(Map<String, ?> map, String key, Path path) throws IOException {
        Object v = require(map, key, path);
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return BigInteger.valueOf(((Number) v).longValue());
        }
        if (v instanceof BigInteger) return (BigInteger) v;
        if (v instanceof BigDecimal && ((BigDecimal) v).stripTrailingZeros().scale() <= 0) {
            throw wrongType(path, key, "an integer written without fraction or exponent", v);
        }
        throw wrongType(path, key, "an integer", v);
    }

    private static Object require(Map<String, ?> map, String key, Path path) throws IOException {
        if (!map.containsKey(key)) throw new CorruptFileException(path, quote(key) + " is missing");
        return map.get(key);
    }

    private static CorruptFileException wrongType(Path path, String key, String expected, Object got) {
        return new CorruptFileException(path, quote(key) + " must be " + expected + ", got " + show(got));
    }

    /** A value as the user wrote it, shortened: 4.9, "four", null, an object, an array. */
    static String show(Object v) {
        if (v == null) return "null";
        if (v instanceof String) {
            String s = (String) v;
            if (s.length() > 40) s = s.substring(0, 37) + "...";
            return quote(s);
        }
        if (v instanceof BigDecimal) return ((BigDecimal) v).toString();
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        return String.valueOf(v);
    }

    private static String describe(JsonNode node) {
        if (node.isArray()) return "an array";
        if (node.isTextual()) return "a string";
        if (node.isNumber()) return "a number";
        if (node.isBoolean()) return "a boolean";
        if (node.isNull()) return "null";
        return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) return "";
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
