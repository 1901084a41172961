package wbgov.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import wbgov.nbd.testing.GuestRun;
import wbgov.nbd.testing.Peers;

/**
 * The governor on the kernel NBD client's own bdi, inside a guest whose kernel has the per-bdi
 * byte knobs (Debian's 6.12, {@code max_bytes} and {@code strict_limit} exist from 6.2):
 * {@code vm/guest/governor-nbd.sh} serves a 4 MiB/s export with {@code wbgov run --serve},
 * {@code nbd-client} connects it as /dev/nbd0 (bdi 43:0), a {@code dd} fills it beside a fast
 * writer, first under kernel defaults, then governed. Its CHECK lines must all pass: strict and
 * max_bytes set from the measured rate, what nbd0 holds within rate × drain target plus one
 * request, {@code sync} within twice the drain target, the server's in-flight limit by Little's
 * law, no knob write refused, every knob back after SIGTERM. The fast writer's ratio to its solo
 * speed is reported, not checked (vm/README.md). The kernel package is fetched once per machine
 * into its own cache ({@link GuestRun#boot(Path, boolean, Path, long, List, Path, String)}).
 */
class GuestGovernorNbdTest {
    /** The 6.12 kernel: from Debian 12's security archive (bookworm-security), as Debian 13's own. */
    static final String KERNEL = "linux-image-6.12-amd64";
    private static final long GUEST_TIMEOUT_S = 1200;

    @Test
    void governsTheKernelClientsBdi() throws Exception {
        GuestRun.requireGuestTools();
        Peers.requireTool("jq", "jq");
        Path repo = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path runGuest = repo.resolve("vm/run-guest.sh");
        Path script = repo.resolve("vm/guest/governor-nbd.sh");
        assertTrue(Files.isExecutable(runGuest), runGuest + " missing");
        Path run = Path.of(System.getProperty("user.dir"), "target", "vm-run", "governor-nbd").toAbsolutePath();
        Files.createDirectories(run);
        String cp = System.getProperty("java.class.path");
        GuestRun guest = GuestRun.bootRetryingJvmCrash(runGuest, false, run, GUEST_TIMEOUT_S,
                List.of("WBGOV_CLASSPATH=" + cp, "WBGOV=" + repo.resolve("wbgov")), script, KERNEL);
        guest.assertChecks(List.of("governor set strict_limit=1 on 43:0", "governor set max_bytes on 43:0",
                "nbd0 held", "sync of the nbd file system", "Little's law", "no knob write refused",
                "PR_SET_IO_FLUSHER set by the daemon's server", "daemon exited after SIGTERM",
                "knobs of 43:0 restored after SIGTERM"), 120);
    }
}
