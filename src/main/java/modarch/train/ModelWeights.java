package modarch.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import modarch.io.CorruptFileException;
import modarch.io.Safetensors.Tensor;
import modarch.io.Safetensors;
import modarch.nn.Param;

/**
 * Moves one replica's parameters between its host block (the layout of {@link modarch.nn.ParamArena#download})
 * and safetensors tensors named, shaped and ordered as the reference's state_dict.
 */
public final class ModelWeights {
    private ModelWeights() {
    }

    /** One tensor per parameter, copied out of a replica block. */
    public static List<Tensor> tensors(List<Param> params, float[] block, String prefix) {
        List<Tensor> out = new ArrayList<>(params.size());
        for (Param p : params) {
            out.add(new Tensor(prefix + p.name(), p.shape(), Arrays.copyOfRange(block, p.start(), p.start() + p.size())));
        }
        return out;
    }

    /** Copies named tensors into a replica block; every parameter must be present with its exact shape. */
    public static void load(List<Param> params, Map<String, Tensor> tensors, String prefix, float[] block, Path file)
            throws IOException {
        for (Param p : params) {
            float[] values = find(tensors, prefix + p.name(), p.shape(), file);
            System.arraycopy(values, 0, block, p.start(), p.size());
        }
    }

    /** The values of one named tensor, checked against the expected shape. */
    private static float[] find(Map<String, Tensor> tensors, String name, int[] shape, Path file) throws IOException {
        Tensor t = tensors.get(name);
        if (t == null) throw new CorruptFileException(file, "tensor '" + name + "' is missing");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CorruptFileException(file, "tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t.data();
    }

    /** Writes a replica block as a model checkpoint loadable by the reference's PyTorch classes. */
    public static void save(Path file, List<Param> params, float[] block, Map<String, String> metadata) throws IOException {
        Safetensors.write(file, tensors(params, block, ""), metadata);
    }
}
