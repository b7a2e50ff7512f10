package modarch.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values of a run's options by key, each as its option's boxed type (Integer, Long or Double): what the command
 * line, a sweep file's grid or a config.json gives, over the defaults, before it becomes a typed record.
 */
public final class OptionValues {
    private final Map<String, Number> values = new LinkedHashMap<>();

    /** Sets (or replaces) the option's value, converted to its type. */
    public OptionValues put(RunOption option, Number value) {
        values.put(option.key(), option.type().of(value));
        return this;
    }

    /** Every entry of map whose key is among options (as config.json's values), converted to their types. */
    public OptionValues putAll(Iterable<RunOption> options, Map<String, ?> map) {
        for (RunOption option : options) {
            if (map.containsKey(option.key())) put(option, (Number) map.get(option.key()));
        }
        return this;
    }

    /** Every value of other (over this one's). */
    public OptionValues putAll(OptionValues other) {
        values.putAll(other.values);
        return this;
    }

    /** A copy to change. */
    public OptionValues copy() {
        OptionValues copy = new OptionValues();
        copy.values.putAll(values);
        return copy;
    }

    public int i(RunOption option) {
        return value(option).intValue();
    }

    public long l(RunOption option) {
        return value(option).longValue();
    }

    public double d(RunOption option) {
        return value(option).doubleValue();
    }

    private Number value(RunOption option) {
        Number value = values.get(option.key());
        if (value == null) throw new IllegalStateException("no value of " + option.key());
        return value;
    }
}
