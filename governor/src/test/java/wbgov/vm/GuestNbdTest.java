package wbgov.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import wbgov.nbd.testing.GuestRun;
import wbgov.nbd.testing.Peers;

/**
 * The real kernel NBD client against our server, inside a guest VM (vm/README.md): boots
 * Debian's kernel (it has nbd.ko; this project's hosts do not) under qemu with the host's root
 * shared read-only, and runs {@code vm/guest/interop.sh} there with the classes this build just
 * compiled. One boot per run; the kernel package is fetched once into {@code $WBGOV_VM_CACHE}
 * (default /tmp/wbgov-vm-cache) and kept across runs and {@code mvn clean}.
 *
 * <p>Skips only where qemu cannot run at all (not installed, not root); under CI=true those
 * fail instead ({@link Peers#require}).
 */
class GuestNbdTest {
    /** A guest run under TCG on two busy cores: ~2 min idle, several when others build. */
    private static final long GUEST_TIMEOUT_S = 1200;

    @Test
    void kernelClientInteropAndAttachDetach() throws Exception {
        GuestRun.requireGuestTools();
        Path repo = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path runGuest = repo.resolve("vm/run-guest.sh");
        Path script = repo.resolve("vm/guest/interop.sh");
        assertTrue(Files.isExecutable(runGuest), runGuest + " missing");

        // The run directory is shared read-write with the guest at the same path; the rest of
        // the host (this checkout, ~/.m2, the JDK) the guest sees read-only.
        Path run = Path.of(System.getProperty("user.dir"), "target", "vm-run", "interop").toAbsolutePath();
        Files.createDirectories(run);
        String cp = System.getProperty("java.class.path");
        GuestRun guest = GuestRun.bootRetryingJvmCrash(runGuest, false, run, GUEST_TIMEOUT_S,
                List.of("WBGOV_CLASSPATH=" + cp, "WBGOV=" + repo.resolve("wbgov")), script);
        guest.assertChecks(List.of("PR_SET_IO_FLUSHER succeeds", "checksums match after drop_caches",
                "fsck -fn clean after tcp", "sync sends FLUSH", "fstrim sends TRIM", "reconnect with -C 4 opens 4",
                "unix socket -C 2", "unix reconnect: data intact", "wbgov attach connects", "wbgov detach",
                "SIGTERM to attach disconnects"), 150);
    }
}
