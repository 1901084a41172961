package wbgov.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.daemon.InstanceLock;
import wbgov.governor.journal.KnobJournal;

/**
 * {@code wbgov restore}: puts every journaled knob back without starting the daemon. What the
 * unit's {@code ExecStopPost=} runs, so that a daemon killed by the watchdog or by SIGKILL never
 * leaves a knob behind. It takes the daemon's lock: it never restores under a live daemon.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Restore every bdi knob wbgov changed to its original value (after a crash or kill -9).")
public final class RestoreCommand implements Callable<Integer> {
    @Option(names = "--state-dir", paramLabel = "DIR", description = "the daemon's --state-dir (default /run/wbgov)")
    Path stateDir;

    @Override
    public Integer call() throws IOException {
        Path dir = StateDir.resolve(stateDir);
        if (!Files.exists(dir.resolve(KnobJournal.FILE_NAME))) {
            System.out.println("wbgov restore: nothing to restore (no journal in " + dir + ")");
            return 0;
        }
        try (InstanceLock lock = InstanceLock.acquire(dir)) {
            KnobJournal journal = new KnobJournal(dir);
            if (journal.isEmpty()) {
                System.out.println("wbgov restore: nothing to restore (" + journal.file() + " is empty: the last run exited cleanly)");
                return 0;
            }
            KnobJournal.RestoreReport r = BdiKnobs.system(journal).restoreAll();
            System.out.println("wbgov restore: restored " + r.restored() + (r.vanished().isEmpty() ? "" : "; vanished (dropped): "
                    + r.vanished()) + (r.failed().isEmpty() ? "" : "; FAILED: " + r.failed()));
            return r.ok() ? 0 : 1;
        } catch (InstanceLock.HeldException e) {
            System.err.println("wbgov restore: wbgov run is running (" + e.getMessage()
                    + "); stop it instead: it restores every knob on exit");
            return 1;
        }
    }
}
