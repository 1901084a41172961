package wbgov.governor;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The one place that decides what a real-kernel test does when a facility (root, debugfs, a
 * peer program) is missing: skip with a clear message on a developer's machine, fail when
 * {@code CI=true}, so CI can never go green by skipping everything. Also the small rigs the
 * kernel tests share: a loop device (detached by its exact name) and an nbdfuse mount
 * (unmounted, its process stopped by PID).
 */
public final class KernelTestSupport {
    private KernelTestSupport() {
    }

    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (or fails under CI=true) unless {@code present}. */
    public static void require(boolean present, String missing) {
        if (present) {
            return;
        }
        if (ci()) {
            fail("CI=true and a facility is missing: " + missing);
        }
        Assumptions.assumeTrue(false, "skipped: " + missing);
    }

    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    public static void requireRoot() {
        require(isRoot(), "needs root (effective uid 0)");
    }

    public static void requireCommand(String command) {
        require(findCommand(command) != null, "command '" + command + "' not found on PATH (Debian package needed)");
    }

    public static Path findCommand(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Debugfs mounted (mounting it if root); skip/fail otherwise. */
    public static void requireDebugfs() {
        requireRoot();
        Path bdi = Path.of("/sys/kernel/debug/bdi");
        if (!Files.isDirectory(bdi)) {
            try {
                run("mount", "-t", "debugfs", "none", "/sys/kernel/debug");
            } catch (IOException e) {
                // fall through to the check
            }
        }
        require(Files.isDirectory(bdi), "debugfs /sys/kernel/debug/bdi not available (lockdown or no debugfs)");
    }

    /** Runs a command, returns its stdout trimmed; throws with its stderr on non-zero exit. */
    public static String run(String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
        Process p = pb.start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": "
                        + new String(err, StandardCharsets.UTF_8).trim());
            }
            return new String(out, StandardCharsets.UTF_8).trim();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** A loop device this test created; close() detaches exactly it. */
    public static final class Loop implements AutoCloseable {
        public final String device;     // "/dev/loop3"
        public final String name;       // "loop3"
        public final String bdi;        // "7:3"

        private Loop(String device) throws IOException {
            this.device = device;
            this.name = device.substring(device.lastIndexOf('/') + 1);
            this.bdi = Files.readString(Path.of("/sys/block", name, "dev")).trim();
        }

        public static Loop attach(Path backingFile) throws IOException {
            requireRoot();
            requireCommand("losetup");
            return new Loop(run("losetup", "-f", "--show", backingFile.toString()));
        }

        @Override
        public void close() throws IOException {
            run("losetup", "-d", device);
        }
    }

    /** An nbdfuse mount of an nbdkit memory disk; close() unmounts it and stops nbdfuse by PID. */
    public static final class NbdFuse implements AutoCloseable {
        public final Path mountPoint;
        public final Path file;
        private final Process process;

        private NbdFuse(Path mountPoint, Process process) {
            this.mountPoint = mountPoint;
            this.file = mountPoint.resolve("nbd");
            this.process = process;
        }

        public static NbdFuse mount(Path mountPoint, String size) throws IOException, InterruptedException {
            requireRoot();
            requireCommand("nbdfuse");
            requireCommand("nbdkit");
            requireCommand("fusermount3");
            require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse missing");
            Files.createDirectories(mountPoint);
            Process p = new ProcessBuilder("nbdfuse", mountPoint.toString(), "--command", "nbdkit", "-s", "memory", size)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            NbdFuse f = new NbdFuse(mountPoint, p);
            for (int i = 0; i < 100 && !Files.exists(f.file); i++) {
                Thread.sleep(50);
                if (!p.isAlive()) {
                    break;
                }
            }
            if (!Files.exists(f.file)) {
                f.close();
                throw new IOException("nbdfuse did not mount " + mountPoint);
            }
            return f;
        }

        /** The anonymous bdi of this mount, from /proc/self/mountinfo. */
        public String bdi() throws IOException {
            List<String> hits = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f[4].equals(mountPoint.toString())) {
                    hits.add(f[2]);
                }
            }
            if (hits.isEmpty()) {
                throw new IOException("no mount at " + mountPoint);
            }
            return hits.get(hits.size() - 1);
        }

        @Override
        public void close() throws IOException {
            try {
                run("fusermount3", "-u", mountPoint.toString());
            } catch (IOException e) {
                // not mounted (anymore)
            }
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroy();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
