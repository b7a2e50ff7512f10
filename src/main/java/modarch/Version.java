package modarch;

/** The engine version written into every run's config.json. */
public final class Version {
    public static final String ENGINE = "0.2.0";

    private Version() {
    }
}
