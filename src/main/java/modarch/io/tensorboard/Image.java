package modarch.io.tensorboard;

/** A picture for an image summary: its size in pixels and its PNG bytes (RGB). */
public record Image(int width, int height, byte[] png) {
}
