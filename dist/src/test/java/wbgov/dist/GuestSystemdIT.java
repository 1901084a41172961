package wbgov.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import wbgov.nbd.testing.GuestRun;
import wbgov.nbd.testing.Peers;

/**
 * The wbgov .deb under real systemd: boots the test guest in systemd mode ({@code vm/run-guest.sh
 * -s}, vm/README.md): the host's systemd 252 as PID 1 in a throwaway overlay root, where
 * {@code vm/guest/systemd-service.sh} installs the package, drives the service (start after
 * READY=1, reload, watchdog, journal priorities, {@code wbgov-nbd@nbd0} attaching and detaching
 * /dev/nbd0, stop), upgrades it to a second .deb with a higher version (built here by repacking
 * the first) and purges it. Every {@code CHECK} line must pass.
 *
 * <p>System properties: {@code wbgov.deb} (the built package), {@code wbgov.root} (the repository;
 * default: the parent of this module). Skips where the guest cannot run (no qemu, not root, no
 * package); under {@code CI=true} those fail instead.
 */
class GuestSystemdIT {
    /** Measured 515 s of guest time (nbd phase included) under TCG on two cores; room for busier hosts. */
    private static final long GUEST_TIMEOUT_S = 1200;

    @Test
    void packageUnderSystemd() throws Exception {
        Peers.requireTool("qemu-system-x86_64", "qemu-system-x86");
        Peers.requireTool("dpkg-deb", "dpkg");
        Peers.requireRoot();
        Peers.require(Files.exists(Path.of("/lib/systemd/systemd")), "no /lib/systemd/systemd on the host: the guest boots the host's systemd");
        String debProp = System.getProperty("wbgov.deb");
        Peers.require(debProp != null && Files.isRegularFile(Path.of(debProp)),
                "no package: system property wbgov.deb (" + debProp + ") is not a file");
        Path repo = Path.of(System.getProperty("wbgov.root",
                Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().toString())).toAbsolutePath();
        Path runGuest = repo.resolve("vm/run-guest.sh");
        Path script = repo.resolve("vm/guest/systemd-service.sh");
        assertTrue(Files.isExecutable(runGuest), runGuest + " missing");

        // The run directory is shared read-write with the guest at the same path: the packages go
        // there (the guest's /tmp is its own, a package under the host's /tmp would not be seen).
        Path run = Path.of(System.getProperty("user.dir"), "target", "vm-run", "systemd").toAbsolutePath();
        Files.createDirectories(run);
        Path deb = run.resolve("wbgov-1.deb");
        Files.copy(Path.of(debProp), deb, StandardCopyOption.REPLACE_EXISTING);
        Path deb2 = repackWithHigherVersion(deb, run);

        GuestRun guest = GuestRun.bootRetryingJvmCrash(runGuest, true, run, GUEST_TIMEOUT_S, List.of("DEB=" + deb, "DEB2=" + deb2), script);
        guest.assertChecks(List.of("installed:", "postinst enabled", "active right after start returned",
                "STATUS= text", "knobs governed while running", "'policies reloaded'", "'policies NOT reloaded'",
                "file:line", "the old policies kept", "'Watchdog timeout'", "knobs restored in between",
                "started a new main PID", "no info lines", "nbd: wbgov-nbd@nbd0 active",
                "nbd: 'attached /dev/nbd0'", "nbd: /dev/nbd0 connected", "nbd: ext4 on /dev/nbd0",
                "nbd: the daemon governs nbd0", "nbd: the daemon set", "nbd: stopped, inactive",
                "nbd: the stop counted as clean", "nbd: /dev/nbd0 disconnected", "nbd: no server process left",
                "nbd: /run/wbgov/nbd0.sock and nbd0.pid gone", "stop: every knob back", "wbgov status exits 3",
                "upgrade: the admin policy kept", "upgrade: the service runs", "purge: every knob back",
                "purge: unit gone", "purge: /etc/wbgov gone", "purge: /var/lib/wbgov gone", "purge: /etc/default/wbgov gone"), 200);
    }

    /**
     * DEB2: the same package with a higher version ({@code VERSION+vmtest2}), for the upgrade:
     * {@code dpkg-deb -R}, bump {@code Version:} in DEBIAN/control, {@code dpkg-deb -b}.
     */
    private static Path repackWithHigherVersion(Path deb, Path run) throws Exception {
        Path dir = run.resolve("repack");
        exec(List.of("rm", "-rf", dir.toString()));
        exec(List.of("dpkg-deb", "-R", deb.toString(), dir.toString()));
        Path control = dir.resolve("DEBIAN/control");
        String text = Files.readString(control, StandardCharsets.UTF_8);
        Matcher v = Pattern.compile("^Version: (\\S+)$", Pattern.MULTILINE).matcher(text);
        assertTrue(v.find(), "no Version: in " + deb + "'s control file");
        String v2 = v.group(1) + "+vmtest2";
        Files.writeString(control, v.replaceFirst("Version: " + Matcher.quoteReplacement(v2)), StandardCharsets.UTF_8);
        Path deb2 = run.resolve("wbgov-2.deb");
        exec(List.of("dpkg-deb", "--root-owner-group", "-b", dir.toString(), deb2.toString()));
        exec(List.of("dpkg", "--compare-versions", v2, "gt", v.group(1)));
        exec(List.of("rm", "-rf", dir.toString()));
        return deb2;
    }

    private static String exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed:\n" + out);
        }
        return out;
    }
}
