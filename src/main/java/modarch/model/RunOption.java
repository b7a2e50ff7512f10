package modarch.model;

import modarch.AsciiNumbers;

/**
 * One option of a training run, declared once: its key in config.json, the run id and sweep files (snake_case), its
 * command-line spelling ("--" and the key with '-' for '_'), its value type, its help line with its value label, and
 * the command line's default (null where the family decides it). Who binds it to a value says where a run records
 * it and how it is checked: a family's options record ({@link FamilyOptions}) or the trainer's common options.
 */
public record RunOption(String key, Type type, String label, String cliDefault, String description) {
    /** The JSON and command-line type of a value; config.json and the run id hold the boxed Java value. */
    public enum Type {
        INT(Integer.class), LONG(Long.class), DOUBLE(Double.class);

        private final Class<? extends Number> boxed;

        Type(Class<? extends Number> boxed) {
            this.boxed = boxed;
        }

        public Class<? extends Number> boxed() {
            return boxed;
        }

        /** value as this type's boxed Java value (Integer, Long or Double). */
        public Number of(Number value) {
            return switch (this) {
                case INT -> value.intValue();
                case LONG -> value.longValue();
                case DOUBLE -> value.doubleValue();
            };
        }

        /** text as this type's value (a default of the command line). */
        Number parse(String text) {
            return switch (this) {
                case INT -> AsciiNumbers.parseInt(text);
                case LONG -> AsciiNumbers.parseLong(text);
                case DOUBLE -> AsciiNumbers.parseDouble(text);
            };
        }
    }

    /** An option whose default its family gives. */
    public static RunOption of(String key, Type type, String label, String description) {
        return new RunOption(key, type, label, null, description);
    }

    /** "--seq-len" for seq_len. */
    public String cli() {
        return "--" + key.replace('_', '-');
    }

    /** The command line's default as a value; only for an option that has one. */
    public Number defaultValue() {
        if (cliDefault == null) throw new IllegalStateException(key + " has no default of its own");
        return type.parse(cliDefault);
    }
}
