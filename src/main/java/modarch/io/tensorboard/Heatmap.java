package modarch.io.tensorboard;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * A matrix drawn as a heat map: entry (i, j) is a square at row i, column j, coloured on viridis's scale from its
 * dark purple (0, or less) to its yellow (the largest entry). Squares are as large as keeps the longer side near
 * {@link #SIDE} pixels, so that a 2 x 2 matrix is as readable as a 64 x 64 one.
 */
public final class Heatmap {
    static final int SIDE = 256;
    /** Viridis at 0, 1/4, 1/2, 3/4 and 1, as RGB; colours between are interpolated linearly. */
    private static final int[] STOPS = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};

    private Heatmap() {
    }

    /** values: a non-empty rectangular matrix; non-finite entries are drawn as 0. */
    public static Image of(double[][] values) {
        int rows = values.length;
        int columns = rows == 0 ? 0 : values[0].length;
        if (columns == 0) throw new IllegalArgumentException("a heat map needs a non-empty matrix");
        double max = 0;
        for (double[] row : values) {
            if (row.length != columns) throw new IllegalArgumentException("a heat map needs a rectangular matrix");
            for (double v : row) if (Double.isFinite(v)) max = Math.max(max, v);
        }
        int cell = Math.max(1, SIDE / Math.max(rows, columns));
        BufferedImage image = new BufferedImage(columns * cell, rows * cell, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                double v = values[i][j];
                int rgb = colour(max > 0 && Double.isFinite(v) ? v / max : 0);
                for (int y = i * cell; y < (i + 1) * cell; y++) {
                    for (int x = j * cell; x < (j + 1) * cell; x++) image.setRGB(x, y, rgb);
                }
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException inMemory) {
            throw new UncheckedIOException(inMemory);
        }
        return new Image(image.getWidth(), image.getHeight(), png.toByteArray());
    }

    /** The colour of t in [0, 1] (clamped). */
    static int colour(double t) {
        double position = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
        int low = Math.min((int) position, STOPS.length - 2);
        double f = position - low;
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int a = (STOPS[low] >> shift) & 0xff;
            int b = (STOPS[low + 1] >> shift) & 0xff;
            rgb |= (int) Math.round(a + f * (b - a)) << shift;
        }
        return rgb;
    }
}
