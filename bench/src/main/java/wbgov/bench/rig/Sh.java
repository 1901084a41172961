package wbgov.bench.rig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system tools the rigs drive (losetup, mkfs.ext4, mount, fusermount3…) with a
 * timeout, returning stdout and failing with the tool's own stderr: a rig that cannot build a
 * device must say which command refused and why.
 */
public final class Sh {
    private Sh() {
    }

    /** Runs {@code command}; returns its stdout trimmed; throws with its stderr on a non-zero exit. */
    public static String run(String... command) throws IOException {
        return run(120, command);
    }

    public static String run(long timeoutSeconds, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("PATH", "/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin");
        Path err = Files.createTempFile("wbgov-sh", ".err");
        pb.redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out after " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": "
                        + Files.readString(err, StandardCharsets.UTF_8).trim());
            }
            return new String(out, StandardCharsets.UTF_8).trim();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + ": interrupted", e);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** Writes a sysfs/procfs file (no trailing newline needed); the kernel's refusal as IOException. */
    public static void write(Path file, String value) throws IOException {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new IOException("writing '" + value + "' to " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a sysfs/procfs value in one {@code read(2)} of up to 64 KiB. Not
     * {@code Files.readString}: it starts with a 1-byte read for a file whose size reads 0, and
     * {@code /proc/sys} answers a read at a non-zero offset with EOF, so {@code vm.dirty_bytes}
     * 400000000 would read as "4".
     */
    public static String read(Path file) throws IOException {
        byte[] buf = new byte[65536];
        int n = 0;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            int r;
            while (n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0) {
                n += r;
            }
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8).trim();
    }

    /** MAJ:MIN of a block device, from /sys/block/NAME/dev ("loop3" → "7:3"). */
    public static String majMin(String blockName) throws IOException {
        return read(Path.of("/sys/block", blockName, "dev"));
    }

    /** The MAJ:MIN of the file system mounted at {@code mountPoint} (its bdi), from mountinfo; last mount wins. */
    public static String mountedDev(Path mountPoint) throws IOException {
        String want = mountPoint.toAbsolutePath().normalize().toString();
        String hit = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].equals(want)) {
                hit = f[2];
            }
        }
        if (hit == null) {
            throw new IOException("nothing mounted at " + want);
        }
        return hit;
    }

    public static boolean isMounted(Path mountPoint) {
        try {
            mountedDev(mountPoint);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
