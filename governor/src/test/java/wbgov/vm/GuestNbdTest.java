package wbgov.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
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
    private static final Pattern CHECK = Pattern.compile("^CHECK (PASS|FAIL) (.*)$", Pattern.MULTILINE);
    /** A guest run under TCG on two busy cores: ~2 min idle, several when others build. */
    private static final long GUEST_TIMEOUT_S = 1200;

    @Test
    void kernelClientInteropAndAttachDetach() throws Exception {
        Peers.requireTool("qemu-system-x86_64", "qemu-system-x86");
        Peers.requireRoot();
        Peers.requireTool("nbd-client", "nbd-client");
        Peers.requireTool("mkfs.ext4", "e2fsprogs");
        Peers.require(Files.exists(Path.of("/usr/share/doc/busybox-static"))
                || Files.exists(Path.of("/bin/busybox")), "busybox-static is not installed (./wbgov test installs it)");
        Path repo = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path runGuest = repo.resolve("vm/run-guest.sh");
        Path script = repo.resolve("vm/guest/interop.sh");
        assertTrue(Files.isExecutable(runGuest), runGuest + " missing");

        // The run directory is shared read-write with the guest at the same path; the rest of
        // the host (this checkout, ~/.m2, the JDK) the guest sees read-only.
        Path run = Path.of(System.getProperty("user.dir"), "target", "vm-run", "interop").toAbsolutePath();
        Files.createDirectories(run);
        String cp = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(runGuest.toString(), "-q", "-m", "2048",
                "-t", Long.toString(GUEST_TIMEOUT_S - 60), "-w", run.toString(),
                "-e", "WBGOV_CLASSPATH=" + cp, "-e", "WBGOV=" + repo.resolve("wbgov"), script.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(run.resolve("host.log").toFile());
        Process p = pb.start();
        String console;
        try {
            boolean ended = p.waitFor(GUEST_TIMEOUT_S, TimeUnit.SECONDS);
            if (!ended) {
                p.destroy(); // SIGTERM: run-guest.sh kills its qemu on the way out
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            killQemu(run);
        }
        console = read(run.resolve("console.log"));
        String host = read(run.resolve("host.log"));
        int rc = p.exitValue();
        System.out.println(console);

        List<String> passed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        Matcher m = CHECK.matcher(console);
        while (m.find()) {
            (m.group(1).equals("PASS") ? passed : failed).add(m.group(2).trim());
        }
        String context = "\n--- host side:\n" + host + "\n--- console (" + run.resolve("console.log") + "):\n" + tail(console, 150);
        assertTrue(rc != 124, "the guest did not finish in time" + context);
        assertTrue(failed.isEmpty(), "failed guest checks: " + failed + context);
        assertEquals(0, rc, "guest script exit status" + context);
        for (String must : List.of("PR_SET_IO_FLUSHER succeeds", "checksums match after drop_caches",
                "fsck -fn clean after tcp", "sync sends FLUSH", "fstrim sends TRIM", "reconnect with -C 4 opens 4",
                "unix socket -C 2", "unix reconnect: data intact", "wbgov attach connects", "wbgov detach",
                "SIGTERM to attach disconnects")) {
            assertTrue(passed.stream().anyMatch(s -> s.contains(must)), "no passing check '" + must + "'" + context);
        }
    }

    /** If qemu outlived its runner (SIGKILL, a crash), end it: the host is left as it was. */
    private static void killQemu(Path run) {
        try {
            long pid = Long.parseLong(Files.readString(run.resolve("qemu.pid")).trim());
            ProcessHandle.of(pid).filter(h -> h.info().command().orElse("").contains("qemu"))
                    .ifPresent(ProcessHandle::destroyForcibly);
        } catch (IOException | NumberFormatException e) {
            // no pid file: qemu never started or run-guest.sh cleaned up
        }
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "(no " + p.getFileName() + ")";
    }

    private static String tail(String s, int lines) {
        String[] l = s.split("\n");
        return String.join("\n", java.util.Arrays.asList(l).subList(Math.max(0, l.length - lines), l.length));
    }
}
