package modarch.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import modarch.io.Safetensors;
import modarch.io.Safetensors.Tensor;
import modarch.nn.Param;

/** Moves one replica's parameters to and from safetensors tensors named as the reference's state_dict. */
public final class ModelWeights {
    private ModelWeights() {
    }

    /** Copies of replica r's values, one tensor per parameter. */
    private static List<Tensor> tensors(List<Param> params, int r) {
        List<Tensor> out = new ArrayList<>(params.size());
        for (Param p : params) {
            int off = p.offset(r);
            out.add(new Tensor(p.name(), p.shape(), Arrays.copyOfRange(p.data(), off, off + p.size())));
        }
        return out;
    }

    /** Copies named tensors into replica r; every parameter must be present with its exact shape. */
    public static void load(List<Param> params, int r, Map<String, Tensor> tensors, Path file) throws IOException {
        for (Param p : params) {
            float[] values = find(tensors, p.name(), p.shape(), file);
            System.arraycopy(values, 0, p.data(), p.offset(r), p.size());
        }
    }

    /** The values of one named tensor, checked against the expected shape. */
    public static float[] find(Map<String, Tensor> tensors, String name, int[] shape, Path file) throws IOException {
        Tensor t = tensors.get(name);
        if (t == null) throw new IOException(file + ": tensor '" + name + "' is missing");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IOException(file + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t.data();
    }

    /** Writes replica r as a model checkpoint loadable by the reference's PyTorch classes. */
    public static void save(Path file, List<Param> params, int r, Map<String, String> metadata) throws IOException {
        Safetensors.write(file, tensors(params, r), metadata);
    }
}
