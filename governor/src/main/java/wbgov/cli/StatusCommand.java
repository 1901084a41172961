package wbgov.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import wbgov.nbd.control.ControlClient;

/** {@code wbgov status}: asks the running daemon for its per-device table. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Per device: policy, dirtying and completion rate, dirty and writeback bytes, "
            + "predicted drain time, allowance in force, in-flight limit, sources.",
            "Exits 3 when the daemon is not running."})
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "the daemon's --state-dir (default /run/wbgov)")
    Path stateDir;

    @Override
    public Integer call() {
        Path sock = StateDir.statusSocket(StateDir.resolve(stateDir));
        if (!Files.exists(sock)) {
            System.err.println("wbgov status: wbgov run is not running (no status socket at " + sock + ")");
            return Main.NOT_RUNNING;
        }
        try {
            System.out.print(ControlClient.send(sock, json ? "status json" : "status"));
            return 0;
        } catch (IOException e) {
            System.err.println("wbgov status: wbgov run is not running (" + sock + " does not answer: a stale socket)");
            return Main.NOT_RUNNING;
        }
    }
}
