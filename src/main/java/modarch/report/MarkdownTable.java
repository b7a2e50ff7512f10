package modarch.report;

import java.util.ArrayList;
import java.util.List;

/** A Markdown (GitHub) table whose columns are padded to one width, so that it also reads well as plain text. */
final class MarkdownTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    MarkdownTable(List<String> header) {
        this.header = List.copyOf(header);
    }

    MarkdownTable row(List<String> cells) {
        if (cells.size() != header.size()) throw new IllegalArgumentException(cells + " for " + header);
        rows.add(List.copyOf(cells));
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    @Override
    public String toString() {
        int[] width = new int[header.size()];
        for (List<String> r : concat()) {
            for (int c = 0; c < width.length; c++) width[c] = Math.max(Math.max(width[c], 3), r.get(c).length());
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width);
        List<String> rule = new ArrayList<>();
        for (int w : width) rule.add("-".repeat(w));
        line(out, rule, width);
        for (List<String> r : rows) line(out, r, width);
        return out.toString();
    }

    private List<List<String>> concat() {
        List<List<String>> all = new ArrayList<>(rows);
        all.add(header);
        return all;
    }

    private static void line(StringBuilder out, List<String> cells, int[] width) {
        out.append('|');
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c).replace("|", "\\|");
            out.append(' ').append(cell).append(" ".repeat(Math.max(0, width[c] - cell.length()))).append(" |");
        }
        out.append('\n');
    }
}
