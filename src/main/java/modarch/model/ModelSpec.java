package modarch.model;

/** The shape of a model: its kind, rule (module) count and the family's widths (encoder E, model D). */
public record ModelSpec(ModelKind kind, int rules, int encDim, int dim) {
}
