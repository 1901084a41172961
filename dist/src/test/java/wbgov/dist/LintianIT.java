package wbgov.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import wbgov.nbd.testing.Peers;

/**
 * lintian on the built .deb: no error tag. Warnings and infos are printed (README "Install the
 * package" says why each remaining one stays). Skips without lintian, fails then in CI.
 */
class LintianIT {
    @Test
    void noErrors() throws Exception {
        Peers.requireTool("lintian", "lintian");
        long t0 = System.nanoTime();
        // -I: infos too; --fail-on none: the exit status says only whether lintian ran
        Peers.Result r = Peers.run(600, "lintian", "-I", "--fail-on", "none",
                DebPackage.deb().toString());
        List<String> tags = Arrays.stream(r.output().split("\n")).filter(l -> l.matches("^[EWIPXO]: .*")).toList();
        System.out.println("lintian (" + (System.nanoTime() - t0) / 1_000_000 + " ms), " + tags.size() + " tag(s):");
        tags.forEach(t -> System.out.println("  " + t));
        List<String> errors = tags.stream().filter(t -> t.startsWith("E: ")).toList();
        assertEquals(0, r.exit(), "lintian itself failed:\n" + r.output());
        assertTrue(errors.isEmpty(), "lintian errors:\n" + String.join("\n", errors));
    }
}
