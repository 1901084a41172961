package wbgov.linux;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the helper programs wbgov runs (nbd-client, modprobe, losetup, fio …) the way a shell
 * would, and also where a root tool lives when it is started with a user's PATH.
 */
public final class Executables {
    /** Searched after PATH: sudo, systemd and cron may start us with a PATH that lacks the sbin directories. */
    private static final String[] SYSTEM_DIRS = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};

    private Executables() {
    }

    /**
     * The first executable file named {@code tool} in the directories of {@code $PATH}, then in
     * /usr/sbin, /sbin, /usr/bin, /bin; null when there is none. Empty and relative PATH entries
     * are skipped (a shell would search the current directory for them: never what a root
     * daemon should run).
     */
    public static Path which(String tool) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = executable(dir, tool);
                if (p != null) {
                    return p;
                }
            }
        }
        for (String dir : SYSTEM_DIRS) {
            Path p = executable(dir, tool);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static Path executable(String dir, String tool) {
        if (!dir.startsWith("/")) {
            return null;
        }
        Path p = Path.of(dir, tool);
        return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
    }
}
