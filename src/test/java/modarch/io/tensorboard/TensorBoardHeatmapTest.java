package modarch.io.tensorboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class TensorBoardHeatmapTest {
    @Test
    void drawsEachEntryAsASquareFromViridisDarkToItsYellow() throws IOException {
        double[][] matrix = {{0.5, 0.0, 0.0}, {0.0, 0.25, Double.NaN}};
        Image image = Heatmap.of(matrix);
        int cell = Heatmap.SIDE / 3;
        assertEquals(3 * cell, image.width());
        assertEquals(2 * cell, image.height());
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(image.png()));
        assertEquals(image.width(), png.getWidth());
        assertEquals(image.height(), png.getHeight());
        assertEquals(0xfde725, png.getRGB(cell - 1, cell - 1) & 0xffffff); // the largest entry
        assertEquals(0x440154, png.getRGB(cell, 0) & 0xffffff); // 0
        assertEquals(0x21918c, png.getRGB(cell, cell) & 0xffffff); // half the largest
        assertEquals(0x440154, png.getRGB(2 * cell, cell) & 0xffffff); // NaN drawn as 0
    }

    @Test
    void colourRunsThroughTheStopsAndClamps() {
        assertEquals(0x440154, Heatmap.colour(-1));
        assertEquals(0x3b528b, Heatmap.colour(0.25));
        assertEquals(0xfde725, Heatmap.colour(2));
    }

    @Test
    void refusesARaggedOrEmptyMatrix() {
        assertThrows(IllegalArgumentException.class, () -> Heatmap.of(new double[][] {{1, 2}, {3}}));
        assertThrows(IllegalArgumentException.class, () -> Heatmap.of(new double[0][]));
    }
}
