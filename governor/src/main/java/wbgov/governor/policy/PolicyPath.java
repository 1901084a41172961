package wbgov.governor.policy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A policy search path: directories, later ones overriding earlier ones file by file, as systemd
 * and tuned do with {@code /usr/lib} and {@code /etc}.
 *
 * <p>The package ships {@code /usr/share/wbgov/policies}; an administrator's
 * {@code /etc/wbgov/policies/nbd.toml} replaces the shipped {@code nbd.toml}, and an
 * <em>empty</em> file of that name masks it (the shipped policy is not loaded at all). Files of
 * other names add policies. The result is the list of files to load, in name order.
 */
public final class PolicyPath {
    /** Where the package puts its policies and where the administrator puts theirs. */
    public static final List<Path> SYSTEM = List.of(Path.of("/usr/share/wbgov/policies"), Path.of("/etc/wbgov/policies"));

    private final List<Path> dirs;
    private final boolean optionalDirs;

    private PolicyPath(List<Path> dirs, boolean optionalDirs) {
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException("no policy directory given");
        }
        this.dirs = List.copyOf(dirs);
        this.optionalDirs = optionalDirs;
    }

    /** Directories the user named: each must exist. */
    public static PolicyPath of(List<Path> dirs) {
        return new PolicyPath(dirs, false);
    }

    /** The system path: a directory that does not exist is skipped (an admin may have none). */
    public static PolicyPath system(List<Path> dirs) {
        return new PolicyPath(dirs, true);
    }

    public List<Path> dirs() {
        return dirs;
    }

    /** "/usr/share/wbgov/policies + /etc/wbgov/policies", for log lines. */
    @Override
    public String toString() {
        return String.join(" + ", dirs.stream().map(Path::toString).toList());
    }

    /**
     * The files in force: per file name the last directory's, empty files (masks) dropped.
     *
     * @throws PolicyException when a named directory cannot be listed, or nothing is left
     */
    public List<Path> files() throws PolicyException {
        Map<String, Path> byName = new TreeMap<>();
        List<PolicyError> errors = new ArrayList<>();
        for (Path dir : dirs) {
            if (optionalDirs && !Files.exists(dir)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.toml")) {
                for (Path f : ds) {
                    if (Files.isRegularFile(f) || Files.isSymbolicLink(f)) {
                        byName.put(f.getFileName().toString(), f);
                    }
                }
            } catch (IOException | RuntimeException e) {
                errors.add(new PolicyError(dir.toString(), 0, "cannot list policy directory: " + describe(e)));
            }
        }
        if (!errors.isEmpty()) {
            throw new PolicyException(errors);
        }
        List<Path> files = new ArrayList<>();
        for (Path f : byName.values()) {
            if (!isMask(f)) {
                files.add(f);
            }
        }
        if (files.isEmpty()) {
            throw new PolicyException(List.of(new PolicyError(toString(), 0, "no *.toml policy files"
                    + (byName.isEmpty() ? "" : " (all " + byName.size() + " masked by empty files)"))));
        }
        return files;
    }

    /** An empty file, or a symlink to /dev/null (systemd's other way to mask). */
    static boolean isMask(Path f) {
        try {
            return Files.isSymbolicLink(f) && Files.readSymbolicLink(f).equals(Path.of("/dev/null"))
                    || Files.isRegularFile(f) && Files.size(f) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static String describe(Exception e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such directory" : e.toString();
    }

    /** Loads what {@link #files()} lists. */
    public PolicySet load() throws PolicyException {
        return PolicySet.load(files());
    }
}
