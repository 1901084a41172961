package wbgov.cli;

import java.nio.file.Path;
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
