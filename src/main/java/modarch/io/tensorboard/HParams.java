package modarch.io.tensorboard;

import com.google.protobuf.Value;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HParams plugin's summaries (tensorboard/plugins/hparams: plugin_data.proto, api.proto), through which
 * TensorBoard's HParams tab compares a folder of runs by their options and final metrics. Each is a plugin summary
 * named "hparams" whose content is an HParamsPluginData of version 0. Hyperparameter values are strings, booleans or
 * numbers.
 */
public final class HParams {
    private static final String PLUGIN_NAME = "hparams";
    private static final String EXPERIMENT_TAG = "_hparams_/experiment";
    private static final String SESSION_START_TAG = "_hparams_/session_start_info";
    private static final String SESSION_END_TAG = "_hparams_/session_end_info";

    private static final int PLUGIN_DATA_VERSION = 0;
    private static final int DATA_VERSION = 1;
    private static final int DATA_EXPERIMENT = 2;
    private static final int DATA_SESSION_START = 3;
    private static final int DATA_SESSION_END = 4;
    private static final int EXPERIMENT_HPARAM_INFO = 4;
    private static final int EXPERIMENT_METRIC_INFO = 5;
    private static final int HPARAM_NAME = 1;
    private static final int HPARAM_TYPE = 4;
    private static final int HPARAM_DIFFERS = 7;
    private static final int METRIC_NAME = 1;
    private static final int METRIC_NAME_TAG = 2;
    private static final int START_HPARAMS = 1;
    private static final int START_GROUP_NAME = 4;
    private static final int START_TIME = 5;
    private static final int MAP_KEY = 1;
    private static final int MAP_VALUE = 2;
    private static final int END_STATUS = 1;
    private static final int END_TIME = 2;
    private static final int STATUS_SUCCESS = 1;
    private static final int STATUS_FAILURE = 2;

    private HParams() {
    }

    /** api.proto's DataType of a hyperparameter, by the value it holds. */
    public enum Type {
        STRING(1), BOOL(2), NUMBER(3);

        private final int dataType;

        Type(int dataType) {
            this.dataType = dataType;
        }

        public static Type of(Object value) {
            return switch (value(value).getKindCase()) {
                case STRING_VALUE -> STRING;
                case BOOL_VALUE -> BOOL;
                default -> NUMBER;
            };
        }
    }

    /**
     * The experiment: the hyperparameters' names and types, and the scalar tags that are its metrics (each of the
     * session's own run: group ""). TensorBoard shows the first experiment it finds in a folder, so every run of a
     * folder should write the same. Its HParams tab shows 5 hyperparameters at first, those marked as differing
     * across runs first (then by name): differing names them; and the first 5 metrics.
     */
    public static Summary experiment(Map<String, Type> hparams, Set<String> differing, List<String> metricTags) {
        byte[] experiment = Protobuf.message(out -> {
            for (Map.Entry<String, Type> hparam : hparams.entrySet()) {
                out.writeByteArray(EXPERIMENT_HPARAM_INFO, Protobuf.message(info -> {
                    info.writeString(HPARAM_NAME, hparam.getKey());
                    info.writeEnum(HPARAM_TYPE, hparam.getValue().dataType);
                    info.writeBool(HPARAM_DIFFERS, differing.contains(hparam.getKey()));
                }));
            }
            for (String tag : metricTags) {
                byte[] name = Protobuf.message(metric -> metric.writeString(METRIC_NAME_TAG, tag));
                out.writeByteArray(EXPERIMENT_METRIC_INFO, Protobuf.message(info -> info.writeByteArray(METRIC_NAME, name)));
            }
        });
        return summary(EXPERIMENT_TAG, DATA_EXPERIMENT, experiment);
    }

    /**
     * A session (a run) starts: its hyperparameters, and its group (sessions of one group, such as replicas that
     * differ only in their seeds, form one row of the HParams table, their metrics averaged).
     */
    public static Summary sessionStart(Map<String, ?> hparams, String groupName) {
        byte[] start = Protobuf.message(out -> {
            for (Map.Entry<String, ?> hparam : hparams.entrySet()) {
                Value value = value(hparam.getValue());
                out.writeByteArray(START_HPARAMS, Protobuf.message(entry -> {
                    entry.writeString(MAP_KEY, hparam.getKey());
                    entry.writeMessage(MAP_VALUE, value);
                }));
            }
            out.writeString(START_GROUP_NAME, groupName);
            out.writeDouble(START_TIME, Events.now());
        });
        return summary(SESSION_START_TAG, DATA_SESSION_START, start);
    }

    /** The session ended: status SUCCESS, or FAILURE. */
    public static Summary sessionEnd(boolean succeeded) {
        byte[] end = Protobuf.message(out -> {
            out.writeEnum(END_STATUS, succeeded ? STATUS_SUCCESS : STATUS_FAILURE);
            out.writeDouble(END_TIME, Events.now());
        });
        return summary(SESSION_END_TAG, DATA_SESSION_END, end);
    }

    private static Summary summary(String tag, int field, byte[] data) {
        byte[] content = Protobuf.message(out -> {
            out.writeInt32(DATA_VERSION, PLUGIN_DATA_VERSION);
            out.writeByteArray(field, data);
        });
        return new Summary().plugin(tag, PLUGIN_NAME, content);
    }

    private static Value value(Object value) {
        if (value instanceof String s) return Value.newBuilder().setStringValue(s).build();
        if (value instanceof Boolean b) return Value.newBuilder().setBoolValue(b).build();
        if (value instanceof Number n) return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        throw new IllegalArgumentException("a hyperparameter is a string, a boolean or a number, not " + value);
    }
}
