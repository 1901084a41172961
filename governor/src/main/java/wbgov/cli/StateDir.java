package wbgov.cli;

import java.nio.file.Path;
import wbgov.linux.LinuxCalls;

/** Where the daemon keeps its knob journal and status socket. */
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

    static Path statusSocket(Path stateDir) {
        return stateDir.resolve("wbgov.sock");
    }

    /** The shipped policies: WBGOV_HOME/policies (set by the launcher), else /etc/wbgov/policies. */
    static Path defaultPolicies() {
        String home = System.getProperty("wbgov.home");
        return home != null ? Path.of(home, "policies") : Path.of("/etc/wbgov/policies");
    }
}
