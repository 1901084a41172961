package wbgov.bench.nbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import wbgov.bench.rig.Teardown;

/**
 * A running server under test, registered with {@link Teardown} from the start so that a failure
 * or Ctrl-C stops it too. {@link #close()} stops it by its PID (SIGTERM, SIGKILL after 10 s),
 * waits for it, and removes its {@code cleanup} file.
 */
public final class ServerUnderTest implements AutoCloseable {
    /** The servers' names, as the report's columns and fio's JSON file names use them. */
    public static final String OURS = "wbgov";
    public static final String NBDKIT = "nbdkit memory";
    public static final String NBD_SERVER = "nbd-server";

    final String name;
    final String uri;
    final long pid;
    private final Process process; // null for nbd-server (it daemonizes; we hold its pid file's PID)
    final Path control; // our server's control socket, else null
    private final Path cleanup; // a file to remove at the end, or null
    private final Teardown.Handle teardown;

    ServerUnderTest(String name, String uri, long pid, Process process, Path control, Path cleanup) {
        this.name = name;
        this.uri = uri;
        this.pid = pid;
        this.process = process;
        this.control = control;
        this.cleanup = cleanup;
        this.teardown = Teardown.register("bench nbd: " + name + ", pid " + pid, this::stop);
    }

    /** The name as it stands in file names: "nbdkit-memory". */
    String fileName() {
        return name.replace(' ', '-');
    }

    @Override
    public void close() throws IOException {
        teardown.closeIo();
    }

    private void stop() {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.destroy(); // SIGTERM: ours shuts down cleanly
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
        if (process != null) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (cleanup != null) {
            try {
                Files.deleteIfExists(cleanup);
            } catch (IOException e) {
                System.err.println("bench nbd: could not remove " + cleanup);
            }
        }
    }
}
