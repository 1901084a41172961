package wbgov.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import wbgov.governor.policy.PolicyPath;
import wbgov.linux.LinuxCalls;

/** Where the daemon keeps its knob journal, lock and status socket, and where policies are. */
final class StateDir {
    private StateDir() {
    }

    /** /run/wbgov for root; for others (dry runs) a private directory under XDG_RUNTIME_DIR or /tmp. */
    static Path resolve(Path given) {
        if (given != null) {
            return given;
        }
        if (LinuxCalls.geteuid() == 0) {
            return Path.of("/run/wbgov");
        }
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        return xdg != null ? Path.of(xdg, "wbgov") : Path.of("/tmp", "wbgov-" + LinuxCalls.geteuid());
    }

    /** Where learned device rates are kept (run --remember). */
    static final Path MEMORY = Path.of("/var/lib/wbgov", "devices");

    /**
     * The remembered-devices file: the one given ("none": no memory), else {@link #MEMORY} when
     * the daemon writes knobs (a dry run or a user's run learns nothing it could keep).
     */
    static Path memory(String given, boolean writesKnobs) {
        if (given != null) {
            return given.equals("none") ? null : Path.of(given);
        }
        return writesKnobs ? MEMORY : null;
    }

    static Path statusSocket(Path stateDir) {
        return stateDir.resolve("wbgov.sock");
    }

    /** The group that may read the status socket by default, when it exists (the package creates it). */
    static final String STATUS_GROUP = "wbgov";

    /**
     * The group the status socket is opened to ({@code run --status-group}): the one given
     * ({@code none}: no group, root only), else {@value #STATUS_GROUP} when that group exists,
     * else none. A group given that does not exist is a usage error.
     */
    static GroupPrincipal statusGroup(String given) {
        if ("none".equals(given)) {
            return null;
        }
        String name = given != null ? given : STATUS_GROUP;
        try {
            return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
        } catch (UserPrincipalNotFoundException e) {
            if (given != null) {
                throw new IllegalArgumentException("--status-group " + given + ": no such group");
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look up group " + name, e);
        }
    }

    /** The daemon's control socket (root only, 0600): requests that change what it does ({@code drain}). */
    static Path controlSocket(Path stateDir) {
        return stateDir.resolve("control.sock");
    }

    /**
     * The policies: the directories given (--policies, later overriding earlier), else in a
     * checkout ({@code -Dwbgov.home}, set by ./wbgov) its {@code policies/}, else the installed
     * {@code /usr/share/wbgov/policies} overridden by {@code /etc/wbgov/policies}.
     */
    static PolicyPath policies(List<Path> given) {
        if (given != null && !given.isEmpty()) {
            return PolicyPath.of(given);
        }
        String home = System.getProperty("wbgov.home");
        return home != null ? PolicyPath.of(List.of(Path.of(home, "policies"))) : PolicyPath.system(PolicyPath.SYSTEM);
    }
}
