package wbgov.governor.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version: Maven filters it into {@code wbgov/cli/version.properties}. */
public final class Version {
    private static final String VERSION = load();

    private Version() {
    }

    /** "0.1.0-SNAPSHOT", or "unknown" when the build did not say. */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/wbgov/cli/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // unknown, below
        }
        return p.getProperty("version", "unknown");
    }
}
