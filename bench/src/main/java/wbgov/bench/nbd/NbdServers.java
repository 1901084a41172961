package wbgov.bench.nbd;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import wbgov.bench.rig.Teardown;
import wbgov.linux.Executables;

/**
 * The three servers under test, each on a Unix socket in a temporary directory: ours as users
 * run it ({@code ./wbgov serve} in its own JVM), {@code nbdkit memory}, and Debian's
 * {@code nbd-server} on a file in /dev/shm. Their logs go to {@code logs}. {@link #close()} stops
 * them and removes the temporary directory; both are registered with {@link Teardown}.
 */
final class NbdServers implements AutoCloseable {
    private final Path home;
    private final Path logs;
    private final long sizeBytes;
    private final Path work;
    private final Teardown.Handle workTeardown;
    private final List<ServerUnderTest> servers = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    NbdServers(Path home, Path logs, long sizeBytes) throws IOException {
        this.home = home;
        this.logs = logs;
        this.sizeBytes = sizeBytes;
        this.work = Files.createTempDirectory("wbgov-bench-nbd");
        this.workTeardown = Teardown.register("bench nbd: " + work, this::deleteWork);
    }

    /** Starts ours, nbdkit and nbd-server, in that order (the report's). */
    List<ServerUnderTest> start() throws Exception {
        startOurs();
        startNbdkit();
        startNbdServer();
        return List.copyOf(servers);
    }

    /** The temporary directory (sockets, configuration, fio's console log). */
    Path work() {
        return work;
    }

    /** What starting them found worth saying in the report (our server's memory lock, nbd-server's file). */
    List<String> notes() {
        return notes;
    }

    private void startOurs() throws Exception {
        Path sock = work.resolve("ours.sock");
        Path ctl = work.resolve("ours.ctl");
        Path log = logs.resolve("ours-server.log");
        Process p = new ProcessBuilder(home.resolve("wbgov").toString(), "serve", "--unix", sock.toString(),
                "--control", ctl.toString(), "memory:" + sizeBytes)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        servers.add(new ServerUnderTest(ServerUnderTest.OURS, "nbd+unix:///?socket=" + sock, p.pid(), p, ctl, null));
        awaitReady(() -> Files.readString(log).contains("memory locked") || Files.readString(log).contains("memory stays"),
                p, "our server (log " + log + ")");
        notes.addAll(logNotes(log, "MemoryLock"));
    }

    private void startNbdkit() throws Exception {
        Path sock = work.resolve("nbdkit.sock");
        Process p = new ProcessBuilder(Executables.which("nbdkit").toString(), "-f", "-U", sock.toString(), "memory",
                Long.toString(sizeBytes))
                .redirectErrorStream(true).redirectOutput(logs.resolve("nbdkit.log").toFile()).start();
        servers.add(new ServerUnderTest(ServerUnderTest.NBDKIT, "nbd+unix:///?socket=" + sock, p.pid(), p, null, null));
        awaitReady(() -> Files.exists(sock), p, "nbdkit");
    }

    private void startNbdServer() throws Exception {
        Path img = Files.createTempFile(Path.of("/dev/shm"), "wbgov-bench-nbd", ".img");
        try {
            startNbdServer(img);
        } catch (Exception e) {
            Files.deleteIfExists(img);
            throw e;
        }
    }

    private void startNbdServer(Path img) throws Exception {
        Path sock = work.resolve("nbd-server.sock");
        try (var raf = new RandomAccessFile(img.toFile(), "rw")) {
            raf.setLength(sizeBytes);
        }
        Path conf = work.resolve("nbd-server.conf");
        Path pidFile = work.resolve("nbd-server.pid");
        // nbd-server also listens on TCP (port 0 makes it exit): a free loopback port, never 10809.
        Files.writeString(conf, "[generic]\n    unixsock = " + sock + "\n    listenaddr = 127.0.0.1\n    port = "
                + freePort() + "\n[bench]\n    exportname = " + img + "\n    flush = true\n    fua = true\n    trim = true\n");
        Path log = logs.resolve("nbd-server.log");
        Process d = new ProcessBuilder(Executables.which("nbd-server").toString(), "-C", conf.toString(), "-p", pidFile.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!d.waitFor(30, TimeUnit.SECONDS) || d.exitValue() != 0) {
            d.destroyForcibly();
            throw new IOException("nbd-server did not start; see " + log);
        }
        awaitReady(() -> Files.exists(pidFile) && Files.exists(sock), null, "nbd-server");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        notes.add("nbd-server export file: " + img + " (tmpfs), removed at the end");
        servers.add(new ServerUnderTest(ServerUnderTest.NBD_SERVER, "nbd+unix:///bench?socket=" + sock, pid, null, null, img));
    }

    /** Stops the servers (in start order), then removes the temporary directory. */
    @Override
    public void close() throws IOException {
        for (ServerUnderTest s : servers) {
            s.close();
        }
        servers.clear();
        workTeardown.closeIo();
    }

    private void deleteWork() {
        try (var st = Files.list(work)) {
            for (Path p : (Iterable<Path>) st::iterator) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(work);
        } catch (IOException e) {
            // temporary directory left behind
        }
    }

    /** The lines of a server log that mention {@code marker}, without their time stamp and thread. */
    static List<String> logNotes(Path log, String marker) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.contains(marker)) {
                out.add(line.replaceFirst("^\\S+ \\[[^]]*\\] ", ""));
            }
        }
        return out;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls {@code c} every 50 ms for up to 60 s; fails early when {@code p} (if any) exits. */
    private static void awaitReady(Check c, Process p, String what) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!c.ok()) {
            if (p != null && !p.isAlive()) {
                throw new IOException(what + " exited with status " + p.exitValue() + " before it was ready");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(what + " not ready after 60 s");
            }
            Thread.sleep(50);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
