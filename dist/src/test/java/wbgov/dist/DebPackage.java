package wbgov.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** What the integration tests are handed by failsafe (dist/pom.xml): the built .deb, the repo. */
final class DebPackage {
    private DebPackage() {
    }

    /** The .deb that this build's package phase made ({@code -Dwbgov.deb}). */
    static Path deb() {
        String p = System.getProperty("wbgov.deb");
        assertTrue(p != null && !p.isEmpty(), "system property wbgov.deb is not set (run through failsafe: mvn verify)");
        Path deb = Path.of(p);
        assertTrue(Files.isRegularFile(deb), deb + " does not exist: the package phase did not build it");
        return deb;
    }

    /** The repository root ({@code -Dwbgov.root}). */
    static Path root() {
        return Path.of(System.getProperty("wbgov.root", "..")).toAbsolutePath().normalize();
    }
}
