package modarch.report;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import modarch.io.AtomicFiles;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Charts of equal size drawn as one image, in a grid of {@code columns} (row-major), written as PNG and as SVG
 * (VectorGraphics2D's SVG processor, as XChart's VectorGraphicsEncoder does for one chart), each file atomically.
 */
final class Figure {
    private final List<? extends Chart<?, ?>> panels;
    private final int columns;

    /** panels all of the first one's size, row-major in {@code columns} columns. */
    Figure(List<? extends Chart<?, ?>> panels, int columns) {
        if (panels.isEmpty() || columns < 1) {
            throw new IllegalArgumentException(panels.size() + " panels in " + columns + " columns");
        }
        this.panels = List.copyOf(panels);
        this.columns = Math.min(columns, panels.size());
    }

    /** Width in pixels (1 px = 1 pt in the SVG). */
    int width() {
        return columns * panels.get(0).getWidth();
    }

    int height() {
        return (panels.size() + columns - 1) / columns * panels.get(0).getHeight();
    }

    /** Writes dir/stem.png and dir/stem.svg. */
    void write(Path dir, String stem) throws IOException {
        AtomicFiles.write(dir.resolve(stem + ".png"), png());
        VectorGraphics2D svg = new VectorGraphics2D();
        paint(svg);
        AtomicFiles.write(dir.resolve(stem + ".svg"), out -> new SVGProcessor()
                .getDocument(svg.getCommands(), new PageSize(0, 0, width(), height())).writeTo(out));
    }

    private byte[] png() throws IOException {
        BufferedImage image = new BufferedImage(width(), height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        paint(g);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }

    private void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        int w = panels.get(0).getWidth();
        int h = panels.get(0).getHeight();
        for (int i = 0; i < panels.size(); i++) {
            Graphics2D panel = (Graphics2D) g.create();
            panel.translate(i % columns * w, i / columns * h);
            panels.get(i).paint(panel, w, h);
            panel.dispose();
        }
    }
}
