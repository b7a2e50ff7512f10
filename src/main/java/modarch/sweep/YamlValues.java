package modarch.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import modarch.AsciiNumbers;
import modarch.UserError;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Typed reads of a YAML node tree (SnakeYAML's composed nodes, which keep their line): every fault is a
 * {@link UserError} of one line naming the file, the line, the key and what is allowed.
 */
final class YamlValues {
    private final Path file;

    YamlValues(Path file) {
        this.file = file;
    }

    /** A UserError "FILE line N: key 'k': message" at the node's line. */
    UserError error(Node node, String key, String message) {
        return new UserError(file + " line " + line(node) + ": " + (key == null ? "" : "key '" + key + "': ") + message);
    }

    static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    /** A mapping's entries by key, in file order; keys must be plain strings, given once, and among allowed. */
    Map<String, Node> mapping(Node node, String key, List<String> allowed) {
        if (!(node instanceof MappingNode)) throw error(node, key, "must be a mapping of keys to values");
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple tuple : ((MappingNode) node).getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode)) throw error(keyNode, key, "keys must be plain names");
            String name = ((ScalarNode) keyNode).getValue();
            if (!allowed.contains(name)) {
                throw error(keyNode, name, "is not a key here; allowed are " + String.join(", ", allowed));
            }
            if (out.put(name, tuple.getValueNode()) != null) throw error(keyNode, name, "is given twice");
        }
        return out;
    }

    String string(Node node, String key) {
        if (!(node instanceof ScalarNode)) throw error(node, key, "must be a single value");
        return ((ScalarNode) node).getValue();
    }

    /** true or false, as YAML 1.2's core schema writes them. */
    boolean bool(Node node, String key) {
        String text = string(node, key);
        if (text.equals("true")) return true;
        if (text.equals("false")) return false;
        throw error(node, key, "'" + text + "' is not allowed: use true or false");
    }

    long integer(Node node, String key, long min, long max) {
        return integer(string(node, key), node, key, min, max);
    }

    /** text, read at node, as an integer in [min, max]. */
    private long integer(String text, Node node, String key, long min, long max) {
        text = text.replace("_", "").trim();
        long value;
        try {
            value = AsciiNumbers.parseLong(text);
        } catch (NumberFormatException e) {
            throw error(node, key, AsciiNumbers.notA("an integer", text));
        }
        if (value < min || value > max) {
            throw error(node, key, value + " is not allowed: it must be in " + min + ".." + max);
        }
        return value;
    }

    int integer(Node node, String key, int min, int max) {
        return (int) integer(node, key, (long) min, (long) max);
    }

    double number(Node node, String key) {
        String text = string(node, key);
        try {
            double value = AsciiNumbers.parseDouble(text);
            if (!(value > 0) || Double.isInfinite(value)) throw error(node, key, text + " must be a positive finite number");
            return value;
        } catch (NumberFormatException e) {
            throw error(node, key, AsciiNumbers.notA("a number", text));
        }
    }

    /** A list, or one value standing for a list of one. */
    List<Node> list(Node node, String key) {
        List<Node> items = node instanceof SequenceNode ? ((SequenceNode) node).getValue() : List.of(node);
        if (items.isEmpty()) throw error(node, key, "is empty: give at least one value");
        return items;
    }

    /**
     * Integers: a list, one value, or ranges "A..B" (inclusive) in either; each in [min, max], none twice.
     */
    List<Long> integers(Node node, String key, long min, long max) {
        List<Long> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (Node item : list(node, key)) {
            long[] range = range(item, key, min, max);
            for (long v = range[0]; v <= range[1]; v++) add(out, seen, v, item, key);
        }
        return out;
    }

    /** How many integers {@link #integers} reads, counted without reading them (a value given twice counts twice). */
    long count(Node node, String key, long min, long max) {
        long count = 0;
        for (Node item : list(node, key)) {
            long[] range = range(item, key, min, max);
            count = GridLimit.plus(count, GridLimit.plus(range[1] - range[0], 1));
        }
        return count;
    }

    /** An item "A..B" as {A, B}, or one value V as {V, V}. */
    private long[] range(Node item, String key, long min, long max) {
        String text = string(item, key);
        int dots = text.indexOf("..");
        if (dots < 0) {
            long value = integer(item, key, min, max);
            return new long[] {value, value};
        }
        long from = integer(text.substring(0, dots), item, key, min, max);
        long to = integer(text.substring(dots + 2), item, key, min, max);
        if (to < from) throw error(item, key, "range " + text + " is empty: write A..B with A <= B");
        return new long[] {from, to};
    }

    private void add(List<Long> out, Set<Long> seen, long value, Node node, String key) {
        if (!seen.add(value)) throw error(node, key, value + " is given twice");
        out.add(value);
    }

    /** Weights: a list or one value, each a finite number >= 0, none twice. */
    List<Double> weights(Node node, String key) {
        List<Double> out = new ArrayList<>();
        for (Node item : list(node, key)) {
            String text = string(item, key);
            double value;
            try {
                value = AsciiNumbers.parseDouble(text);
            } catch (NumberFormatException e) {
                throw error(item, key, AsciiNumbers.notA("a number", text));
            }
            if (!(value >= 0) || Double.isInfinite(value)) throw error(item, key, text + " must be a finite number >= 0");
            if (out.contains(value)) throw error(item, key, text + " is given twice");
            out.add(value);
        }
        return out;
    }

    List<String> strings(Node node, String key) {
        List<String> out = new ArrayList<>();
        for (Node item : list(node, key)) {
            String value = string(item, key);
            if (out.contains(value)) throw error(item, key, "'" + value + "' is given twice");
            out.add(value);
        }
        return out;
    }
}
