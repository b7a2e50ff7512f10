package modarch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;

/** Checks of a written figure: its PNG decodes to a drawing of the expected size, its SVG parses to one. */
final class FigureFiles {
    private FigureFiles() {
    }

    /** dir/stem.png is width x height pixels and not blank; dir/stem.svg is an svg document as wide with > 10 paths. */
    static void assertDrawn(Path dir, String stem, int width, int height) throws Exception {
        Path png = dir.resolve(stem + ".png");
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(width, image.getWidth(), png.toString());
        assertEquals(height, image.getHeight(), png.toString());
        assertTrue(distinctColours(image) > 10, "a drawing, not a blank image: " + png);
        DocumentBuilderFactory xml = DocumentBuilderFactory.newInstance();
        xml.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Path svg = dir.resolve(stem + ".svg");
        Document doc = xml.newDocumentBuilder().parse(svg.toFile());
        assertEquals("svg", doc.getDocumentElement().getNodeName());
        assertEquals(width + "px", doc.getDocumentElement().getAttribute("width"));
        int drawn = doc.getElementsByTagName("path").getLength() + doc.getElementsByTagName("line").getLength();
        assertTrue(drawn > 10, drawn + " paths and lines in " + svg);
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) colours.add(image.getRGB(x, y));
        }
        return colours.size();
    }
}
