package modarch.report;

/** A figure of the report: plots/STEM.png and plots/STEM.svg, and its one-line caption. */
record PlotFile(String stem, String caption) {
}
