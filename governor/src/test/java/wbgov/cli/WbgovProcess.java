package wbgov.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code wbgov …} in a child JVM with this test's classpath, its stderr and stdout in a file:
 * the CLI as a user (or systemd) runs it, signals and exit status included.
 */
final class WbgovProcess implements AutoCloseable {
    final Process process;
    final Path log;

    private WbgovProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static WbgovProcess start(Path log, Map<String, String> env, String... args) throws IOException {
        return startUnder(List.of(), log, env, args);
    }

    /** As {@link #start}, the JVM exec'ed by {@code wrapper} (e.g. {@code nohup}): same pid. */
    static WbgovProcess startUnder(List<String> wrapper, Path log, Map<String, String> env, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(commandLine(System.getProperty("java.class.path"), System.getProperty("jna.tmpdir", "/tmp"), args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("NOTIFY_SOCKET");
        pb.environment().remove("JOURNAL_STREAM");
        pb.environment().putAll(env);
        return new WbgovProcess(pb.start(), log);
    }

    /**
     * The command line that runs {@code wbgov ARGS} on this JVM with {@code classpath}, for a
     * test that starts it some other way (in tmux, as another user).
     */
    static List<String> commandLine(String classpath, String jnaTmpdir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:MaxDirectMemorySize=320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djna.tmpdir=" + jnaTmpdir, "-cp", classpath, Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs to completion (at most 60 s); returns the exit status. */
    static int run(Path log, String... args) throws Exception {
        try (WbgovProcess p = start(log, Map.of(), args)) {
            if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("wbgov " + String.join(" ", args) + " did not finish in 60 s:\n" + p.output());
            }
            return p.process.exitValue();
        }
    }

    long pid() {
        return process.pid();
    }

    void signal(String sig) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid())).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new IOException("kill -" + sig + " " + pid() + " failed");
        }
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Waits until the output contains {@code needle}; false after the timeout. */
    boolean awaitOutput(String needle, long seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (output().contains(needle)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
