package wbgov.nbd.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One boot of the test guest running one script ({@code vm/run-guest.sh}, vm/README.md), for the
 * guest tests of the governor (GuestNbdTest) and the package (GuestSystemdIT): runs it with a
 * wall-clock limit, ends a qemu that outlived it, and checks the {@code CHECK PASS|FAIL …} lines
 * the script printed on the guest's console.
 */
public final class GuestRun {
    private static final Pattern CHECK = Pattern.compile("^CHECK (PASS|FAIL) (.*)$", Pattern.MULTILINE);

    private final Path run;
    private final int exit;
    private final String console;
    private final String host;

    private GuestRun(Path run, int exit, String console, String host) {
        this.run = run;
        this.exit = exit;
        this.console = console;
        this.host = host;
    }

    /**
     * Runs {@code runGuest -q -m 2048 -t (timeoutS - 60) -w run [-e env]… script} ({@code -s} first
     * for systemd mode), its output to {@code run/host.log}; after {@code timeoutS} it is sent
     * SIGTERM (run-guest.sh kills its qemu on the way out). Prints the guest's console.
     */
    public static GuestRun boot(Path runGuest, boolean systemd, Path run, long timeoutS, List<String> env, Path script)
            throws IOException, InterruptedException {
        return boot(runGuest, systemd, run, timeoutS, env, script, null);
    }

    /**
     * {@link #boot} on another kernel: {@code kernelPackage} is a Debian kernel meta-package
     * (e.g. {@code linux-image-6.12-amd64}) that vm/build-guest.sh fetches once into its own
     * cache, {@code $WBGOV_VM_CACHE-<package>} (default /tmp/wbgov-vm-cache-<package>): a cache
     * holds one kernel. Null: Debian's default kernel, the default cache.
     */
    public static GuestRun boot(Path runGuest, boolean systemd, Path run, long timeoutS, List<String> env, Path script,
            String kernelPackage) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(runGuest.toString()));
        if (systemd) {
            cmd.add("-s");
        }
        cmd.addAll(List.of("-q", "-m", "2048", "-t", Long.toString(timeoutS - 60), "-w", run.toString()));
        for (String e : env) {
            cmd.addAll(List.of("-e", e));
        }
        cmd.add(script.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(run.resolve("host.log").toFile());
        if (kernelPackage != null) {
            String cache = System.getenv().getOrDefault("WBGOV_VM_CACHE", "/tmp/wbgov-vm-cache");
            pb.environment().put("WBGOV_VM_KERNEL", kernelPackage);
            pb.environment().put("WBGOV_VM_CACHE", cache + "-" + kernelPackage);
        }
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
                p.destroy(); // SIGTERM: run-guest.sh kills its qemu on the way out
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            killQemu(run);
        }
        GuestRun r = new GuestRun(run, p.exitValue(), read(run.resolve("console.log")), read(run.resolve("host.log")));
        System.out.println(r.console);
        return r;
    }

    /**
     * What every guest test needs on the host, checked with {@link Peers}: qemu, root, the host's
     * nbd-client and mkfs.ext4 (the guest runs the host's), busybox-static for the initramfs.
     * Skips where absent; fails under CI=true.
     */
    public static void requireGuestTools() {
        Peers.requireTool("qemu-system-x86_64", "qemu-system-x86");
        Peers.requireRoot();
        Peers.requireTool("nbd-client", "nbd-client");
        Peers.requireTool("mkfs.ext4", "e2fsprogs");
        Peers.require(Files.exists(Path.of("/usr/share/doc/busybox-static")) || Files.exists(Path.of("/bin/busybox")),
                "busybox-static is not installed (./wbgov test installs it)");
    }

    /** What HotSpot prints when it crashes (SIGSEGV in JIT code, the hs_err file it names). */
    private static final Pattern JVM_CRASH = Pattern.compile("A fatal error has been detected by the Java Runtime"
            + "|hs_err_pid\\d+\\.log");

    /**
     * {@link #boot}, and once more if a check failed and a JVM in the guest crashed. A STOPGAP,
     * named as such: under TCG (no KVM on these hosts) a guest JVM now and then dies of SIGSEGV
     * inside trivial JIT code (seen: C1's {@code Object.<init>} in the systemd guest's
     * {@code wbgov attach}, one run in about five; with {@code -cpu max} it was one in two,
     * vm/README.md), which is the emulator's, not wbgov's. Any other failure is not retried, and
     * a crash on the second boot fails the test.
     */
    public static GuestRun bootRetryingJvmCrash(Path runGuest, boolean systemd, Path run, long timeoutS,
            List<String> env, Path script) throws IOException, InterruptedException {
        return bootRetryingJvmCrash(runGuest, systemd, run, timeoutS, env, script, null);
    }

    /** {@link #bootRetryingJvmCrash} on another kernel (see {@link #boot(Path, boolean, Path, long, List, Path, String)}). */
    public static GuestRun bootRetryingJvmCrash(Path runGuest, boolean systemd, Path run, long timeoutS,
            List<String> env, Path script, String kernelPackage) throws IOException, InterruptedException {
        GuestRun first = boot(runGuest, systemd, run, timeoutS, env, script, kernelPackage);
        boolean failed = CHECK.matcher(first.console).results().anyMatch(m -> m.group(1).equals("FAIL"))
                || first.exit != 0;
        if (!failed || !JVM_CRASH.matcher(first.console).find()) {
            return first;
        }
        System.out.println("NOTE: a JVM in the guest crashed (HotSpot's fatal error under TCG; see GuestRun): "
                + "booting the guest once more; the first console is kept as console-first.log");
        Files.copy(run.resolve("console.log"), run.resolve("console-first.log"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return boot(runGuest, systemd, run, timeoutS, env, script, kernelPackage);
    }

    /**
     * Asserts that the guest finished in time, that no check failed, that the script exited 0,
     * and that for each of {@code mustPass} a passing check contains it. Failures show the host
     * side and the console's last {@code tailLines} lines.
     */
    public void assertChecks(List<String> mustPass, int tailLines) {
        List<String> passed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        Matcher m = CHECK.matcher(console);
        while (m.find()) {
            (m.group(1).equals("PASS") ? passed : failed).add(m.group(2).trim());
        }
        String context = "\n--- host side:\n" + host + "\n--- console (" + run.resolve("console.log") + "):\n"
                + tail(console, tailLines);
        assertTrue(exit != 124, "the guest did not finish in time" + context);
        assertTrue(failed.isEmpty(), failed.size() + " failed guest checks: " + failed + context);
        assertEquals(0, exit, "guest script exit status" + context);
        for (String must : mustPass) {
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
        List<String> l = Arrays.asList(s.split("\n"));
        return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
    }
}
