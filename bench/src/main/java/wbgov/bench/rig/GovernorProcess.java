package wbgov.bench.rig;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import wbgov.nbd.control.ControlClient;

/**
 * {@code wbgov run} as a separate JVM, as an admin runs it: the benchmarks and end-to-end tests
 * must see the daemon from outside (its own process, its own journal, its status socket, its
 * reaction to SIGTERM and to {@code kill -9}), not a governor object sharing their heap.
 *
 * <p>Started as {@code java [jvm options] -cp <classpath> -Dwbgov.home=<repo root>
 * wbgov.cli.Main run --state-dir <dir> --interval <ms> [--policies <dir>] [extra args]}; the
 * classpath defaults to this JVM's own ({@code java.class.path}: the test classpath under
 * surefire, the launcher's under {@code ./wbgov}). {@link #start()} returns once the status
 * socket answers and the daemon has ticked. Stopped by PID: {@link #stop()} is SIGTERM (the
 * daemon restores its knobs), {@link #kill()} is SIGKILL (it cannot: {@link #restore()} runs
 * {@code wbgov restore} like an admin would). Output goes to {@code <state-dir>/wbgov-run.log}.
 */
public final class GovernorProcess implements AutoCloseable {
    private final Builder cfg;
    private final Path log;
    private Process process;
    private Teardown.Handle teardown;

    private GovernorProcess(Builder b) {
        this.cfg = b;
        this.log = b.stateDir.resolve("wbgov-run.log");
    }

    public static Builder builder(Path stateDir) {
        return new Builder(stateDir);
    }

    /** Settings; defaults as field initialisers. */
    public static final class Builder {
        private final Path stateDir;
        private String classpath = System.getProperty("java.class.path");
        private Path home = defaultHome();
        private Path policies;
        private long intervalMs = 100;
        private List<String> jvmOptions = List.of("-Xms64m", "-Xmx64m", "-XX:+UseSerialGC", "-XX:-UsePerfData");
        private final List<String> extraArgs = new ArrayList<>();
        private Path java = Path.of(System.getProperty("java.home"), "bin", "java");

        private Builder(Path stateDir) {
            this.stateDir = stateDir.toAbsolutePath().normalize();
        }

        public Builder classpath(String cp) {
            classpath = cp;
            return this;
        }

        /** The repository root (-Dwbgov.home): the shipped policies are under it. */
        public Builder home(Path h) {
            home = h;
            return this;
        }

        /** A policy directory; default the shipped {@code <home>/policies}. */
        public Builder policies(Path dir) {
            policies = dir;
            return this;
        }

        public Builder intervalMs(long ms) {
            if (ms < 10 || ms > 10_000) {
                throw new IllegalArgumentException("interval must be 10..10000 ms: " + ms);
            }
            intervalMs = ms;
            return this;
        }

        public Builder jvmOptions(List<String> opts) {
            jvmOptions = List.copyOf(opts);
            return this;
        }

        /** Further arguments to {@code run} (e.g. "--dry-run"). */
        public Builder arg(String a) {
            extraArgs.add(a);
            return this;
        }

        public Builder java(Path j) {
            java = j;
            return this;
        }

        /** Starts it and waits up to {@code timeout} until it governs (status answers, ticks > 0). */
        public GovernorProcess start() throws IOException, InterruptedException {
            GovernorProcess g = new GovernorProcess(this);
            g.start();
            return g;
        }
    }

    /**
     * A TCP port on 127.0.0.1 free now, for {@code run --metrics 127.0.0.1:PORT} (the daemon binds
     * it a moment later; another process taking it meanwhile makes the start fail, loudly).
     */
    public static int freeLoopbackPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The repository root: -Dwbgov.home, else the nearest directory up from here with policies/ and pom.xml. */
    public static Path defaultHome() {
        String h = System.getProperty("wbgov.home");
        if (h != null) {
            return Path.of(h);
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("policies")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
            p = p.getParent();
        }
        return Path.of("").toAbsolutePath();
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(cfg.java.toString());
        cmd.addAll(cfg.jvmOptions);
        cmd.add("-Djna.tmpdir=" + cfg.stateDir.resolve("jna"));
        cmd.add("-Dwbgov.home=" + cfg.home);
        cmd.add("-cp");
        cmd.add(cfg.classpath);
        cmd.add("wbgov.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void start() throws IOException, InterruptedException {
        Files.createDirectories(cfg.stateDir);
        // What it learns stays in the state directory (removed with it), never the host's /var/lib/wbgov.
        List<String> args = new ArrayList<>(List.of("run", "--state-dir", cfg.stateDir.toString(), "--interval",
                Long.toString(cfg.intervalMs), "--remember", cfg.stateDir.resolve("devices").toString()));
        if (cfg.policies != null) {
            args.add("--policies");
            args.add(cfg.policies.toString());
        }
        args.addAll(cfg.extraArgs);
        Files.deleteIfExists(socket());
        process = new ProcessBuilder(command(args.toArray(String[]::new))).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        teardown = Teardown.register("wbgov run, pid " + process.pid(), this::stopQuietly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("wbgov run exited with " + process.exitValue() + " before governing; log "
                        + log + ":\n" + tail(40));
            }
            if (Files.exists(socket())) {
                try {
                    String s = status(true);
                    if (ticks(s) > 0) {
                        return;
                    }
                } catch (IOException e) {
                    // not answering yet
                }
            }
            if (System.nanoTime() - deadline > 0) {
                kill();
                throw new IOException("wbgov run did not answer on " + socket() + " within 30 s; log:\n" + tail(40));
            }
            Thread.sleep(50);
        }
    }

    public Path stateDir() {
        return cfg.stateDir;
    }

    public Path socket() {
        return cfg.stateDir.resolve("wbgov.sock");
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The daemon's status table (text) or its JSON, through the status socket. */
    public String status(boolean json) throws IOException {
        return ControlClient.send(socket(), json ? "status json" : "status");
    }

    /** SIGTERM by PID and wait (the daemon restores its knobs on the way out). Returns the exit status. */
    public int stop() throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IOException("wbgov run (pid " + process.pid() + ") did not exit within 30 s of SIGTERM");
        }
        release();
        return process.exitValue();
    }

    /** SIGKILL by PID (a crash: nothing is restored) and wait. Run {@link #restore()} afterwards. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        release();
    }

    /** Runs {@code wbgov restore --state-dir <dir>} in its own JVM; returns its exit status and output. */
    public Result restore() throws IOException, InterruptedException {
        return runCli("restore", "--state-dir", cfg.stateDir.toString());
    }

    /** Runs another {@code wbgov} command with the same JVM and classpath (e.g. "status", "--json"). */
    public Result runCli(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(cfg.stateDir, "cli", ".out");
        try {
            Process p = new ProcessBuilder(command(args)).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException("wbgov " + String.join(" ", args) + ": timed out");
            }
            return new Result(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A finished CLI command. */
    public record Result(int exit, String output) {
    }

    /** The last lines of the daemon's log. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void release() {
        if (teardown != null) {
            Teardown.Handle h = teardown;
            teardown = null;
            try {
                h.close(); // deregisters; the action is a no-op once the process is gone
            } catch (Exception e) {
                // cannot happen: stopQuietly does not throw
            }
        }
    }

    private void stopQuietly() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** SIGTERM if still running. */
    @Override
    public void close() throws IOException {
        try {
            if (isAlive()) {
                stop();
            }
            release();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- reading the status JSON (flat, as Governor.status(true) writes it) ----

    private static final Pattern TICKS = Pattern.compile("\"ticks\":(\\d+)");

    /** The tick count in a status JSON, -1 if absent. */
    public static long ticks(String json) {
        Matcher m = TICKS.matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * A numeric or boolean field of one device in a status JSON, as text; null when the device or
     * field is absent. E.g. {@code deviceField(json, "7:3", "allowance_bytes")}.
     */
    public static String deviceField(String json, String bdi, String field) {
        int at = json.indexOf("{\"bdi\":\"" + bdi + "\"");
        if (at < 0) {
            return null;
        }
        int end = json.indexOf('}', at);
        String dev = json.substring(at, end < 0 ? json.length() : end);
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":(\"[^\"]*\"|[^,}]*)").matcher(dev);
        if (!m.find()) {
            return null;
        }
        String v = m.group(1);
        return v.startsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    /** {@link #deviceField} as a long; {@code dflt} when absent or not a number. */
    public static long deviceLong(String json, String bdi, String field, long dflt) {
        String v = deviceField(json, bdi, field);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
