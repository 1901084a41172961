package wbgov.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.nbd.testing.Peers;

/**
 * systemd-analyze verify on both units as the package installs them. The root it verifies in is
 * the .deb's own content (dpkg-deb -x), plus what any Debian system has and the package does not
 * ship: the host's systemd units (sysinit.target, multi-user.target, sys-kernel-debug.mount …)
 * and /bin/kill (ExecReload). Verify then finds /usr/bin/wbgov and the man pages named in
 * Documentation= in the package itself; any message at all (unknown key, missing command or
 * page) fails the test.
 */
class UnitsIT {
    @Test
    void bothUnitsVerify(@TempDir Path tmp) throws Exception {
        Peers.requireTool("systemd-analyze", "systemd");
        long t0 = System.nanoTime();
        Path root = tmp.resolve("root");
        Peers.run(120, "dpkg-deb", "-x", DebPackage.deb().toString(), root.toString()).assertOk("dpkg-deb -x");
        Path units = root.resolve("lib/systemd/system");
        assertTrue(Files.isRegularFile(units.resolve("wbgov.service")), "wbgov.service is not in the package");
        assertTrue(Files.isRegularFile(units.resolve("wbgov-nbd@.service")), "wbgov-nbd@.service is not in the package");
        // cp -n: the package's own units win over any installed on this host
        Peers.run(120, "cp", "-an", "/lib/systemd/system/.", units + "/").assertOk("copying the host's units");
        Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("/bin/kill"), root.resolve("bin/kill"));
        Peers.Result r = Peers.run(120, "env", "MANPATH=" + root.resolve("usr/share/man"), "systemd-analyze", "verify",
                "--root=" + root, "/lib/systemd/system/wbgov.service", "/lib/systemd/system/wbgov-nbd@nbd0.service");
        System.out.println("systemd-analyze verify: exit " + r.exit() + " in " + (System.nanoTime() - t0) / 1_000_000
                + " ms" + (r.output().isBlank() ? ", no messages" : ":\n" + r.output()));
        assertEquals(0, r.exit(), "systemd-analyze verify failed:\n" + r.output());
        assertTrue(r.output().isBlank(), "systemd-analyze verify said:\n" + r.output());
    }
}
