package modarch.io.tensorboard;

import java.util.ArrayList;
import java.util.List;

/**
 * One Summary message (tensorboard/compat/proto/summary.proto) being built: its values, each a tag with a scalar, an
 * image or a plugin's data.
 */
public final class Summary {
    private static final int VALUE = 1;
    private static final int TAG = 1;
    private static final int SIMPLE_VALUE = 2;
    private static final int IMAGE = 4;
    private static final int TENSOR = 8;
    private static final int METADATA = 9;
    private static final int IMAGE_HEIGHT = 1;
    private static final int IMAGE_WIDTH = 2;
    private static final int IMAGE_COLORSPACE = 3;
    private static final int IMAGE_ENCODED = 4;
    private static final int RGB = 3;
    private static final int METADATA_PLUGIN_DATA = 1;
    private static final int PLUGIN_NAME = 1;
    private static final int PLUGIN_CONTENT = 2;
    /**
     * The empty float tensor (dtype DT_FLOAT, shape [0]) that plugin summaries without data of their own carry, as
     * TensorBoard's hparams summaries do (its metadata.NULL_TENSOR).
     */
    private static final byte[] NULL_TENSOR = Protobuf.message(out -> {
        out.writeEnum(1, 1);
        out.writeByteArray(2, Protobuf.message(shape -> shape.writeByteArray(2, new byte[0])));
    });

    private final List<byte[]> values = new ArrayList<>();

    /** A scalar as simple_value (a float), which every TensorBoard version reads as a scalar. */
    public Summary scalar(String tag, double value) {
        values.add(Protobuf.message(out -> {
            out.writeString(TAG, tag);
            out.writeFloat(SIMPLE_VALUE, (float) value);
        }));
        return this;
    }

    public Summary image(String tag, Image image) {
        byte[] encoded = Protobuf.message(out -> {
            out.writeInt32(IMAGE_HEIGHT, image.height());
            out.writeInt32(IMAGE_WIDTH, image.width());
            out.writeInt32(IMAGE_COLORSPACE, RGB);
            out.writeByteArray(IMAGE_ENCODED, image.png());
        });
        values.add(Protobuf.message(out -> {
            out.writeString(TAG, tag);
            out.writeByteArray(IMAGE, encoded);
        }));
        return this;
    }

    /** A plugin's summary: its name and content in the value's metadata, with the null tensor as data. */
    Summary plugin(String tag, String pluginName, byte[] content) {
        byte[] pluginData = Protobuf.message(out -> {
            out.writeString(PLUGIN_NAME, pluginName);
            out.writeByteArray(PLUGIN_CONTENT, content);
        });
        byte[] metadata = Protobuf.message(out -> out.writeByteArray(METADATA_PLUGIN_DATA, pluginData));
        values.add(Protobuf.message(out -> {
            out.writeString(TAG, tag);
            out.writeByteArray(METADATA, metadata);
            out.writeByteArray(TENSOR, NULL_TENSOR);
        }));
        return this;
    }

    byte[] encode() {
        return Protobuf.message(out -> {
            for (byte[] value : values) out.writeByteArray(VALUE, value);
        });
    }
}
