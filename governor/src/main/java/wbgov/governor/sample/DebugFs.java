package wbgov.governor.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Makes debugfs available for the per-bdi stats when it is absent and we may mount it (root, not
 * locked down). Called once at start, off the hot path; a failure only means the samplers fall
 * back to block-layer sources, and {@link #lastError()} says why.
 */
public final class DebugFs {
    public static final Path DEFAULT_ROOT = Path.of("/sys/kernel/debug");

    private static volatile String lastError = "";

    private DebugFs() {
    }

    /** True when {@code root/bdi} is readable now. */
    public static boolean available(Path root) {
        return Files.isDirectory(root.resolve("bdi"));
    }

    /**
     * Mounts debugfs at {@code root} if it is not there and {@code allowMount}; returns whether
     * per-bdi stats are available afterwards.
     */
    public static boolean ensureMounted(Path root, boolean allowMount) {
        if (available(root)) {
            return true;
        }
        if (!allowMount) {
            lastError = "debugfs not mounted at " + root + " and mounting not allowed";
            return false;
        }
        try {
            Process p = new ProcessBuilder("mount", "-t", "debugfs", "none", root.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            if (!available(root)) {
                lastError = "mount -t debugfs at " + root + " failed: " + out;
            }
        } catch (IOException e) {
            lastError = "mount -t debugfs at " + root + " failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return available(root);
    }

    /** Why the last {@link #ensureMounted} failed, "" if it did not. */
    public static String lastError() {
        return lastError;
    }
}
