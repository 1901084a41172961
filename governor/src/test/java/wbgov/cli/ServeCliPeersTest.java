package wbgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.nbd.testing.Peers;

/**
 * {@code wbgov serve} as NBD admins run it, checked by real clients: the qemu-nbd/nbdkit flags,
 * the URI it prints (nbdinfo connects to exactly that), its pid file, a live socket never taken
 * over, a negative value for ctl reaching the server, and systemd socket activation through
 * systemd's own {@code systemd-socket-activate}.
 */
class ServeCliPeersTest {
    @TempDir
    Path dir;

    private static String uriLine(WbgovProcess p) throws Exception {
        assertTrue(p.awaitOutput("nbd", 60), "no URI printed:\n" + p.output());
        for (String l : p.output().lines().toList()) {
            if (l.startsWith("nbd://") || l.startsWith("nbd+unix://")) {
                return l.trim();
            }
        }
        throw new AssertionError("no URI line in:\n" + p.output());
    }

    private static void awaitLine(WbgovProcess p) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end && p.output().lines().noneMatch(l -> l.startsWith("nbd"))) {
            Thread.sleep(50);
        }
    }

    @Test
    void unixSocketUriPidfileAndALiveSocketRefused() throws Exception {
        Path nbdinfo = Peers.requireTool("nbdinfo", "libnbd-bin");
        Path sock = dir.resolve("s.sock");
        Path pid = dir.resolve("serve.pid");
        Path ctl = dir.resolve("ctl.sock");
        try (WbgovProcess serve = WbgovProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "-f", "--no-mlock",
                "-U", sock.toString(), "-e", "disk1", "-P", pid.toString(), "--control", ctl.toString(), "memory:16M")) {
            awaitLine(serve);
            String uri = uriLine(serve);
            assertEquals("nbd+unix:///disk1?socket=" + sock, uri);
            assertEquals(serve.pid() + "\n", Files.readString(pid));
            Peers.Result info = Peers.run(60, nbdinfo.toString(), "--size", uri);
            assertEquals(0, info.exit(), info.output());
            assertEquals(16L << 20, Long.parseLong(info.output().trim()));

            // A second server on the same socket: refused, and the first still answers.
            Path second = dir.resolve("second.log");
            assertEquals(1, WbgovProcess.run(second, "serve", "--no-mlock", "-U", sock.toString(), "memory:1M"));
            assertTrue(Files.readString(second).contains("address already in use"), Files.readString(second));
            assertEquals(0, Peers.run(60, nbdinfo.toString(), "--size", uri).exit());

            // "set latency -1ms": the server's own answer, not "Unknown option".
            Path c = dir.resolve("ctl.log");
            assertEquals(1, WbgovProcess.run(c, "ctl", ctl.toString(), "set", "latency", "-1ms"));
            assertTrue(Files.readString(c).contains("must be ≥ 0"), Files.readString(c));

            serve.process.destroy();
            assertTrue(serve.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, serve.process.exitValue(), "SIGTERM is a clean stop:\n" + serve.output());
            assertFalse(Files.exists(pid), "pid file removed on exit");
        }
    }

    @Test
    void tcpWithPortAndBind() throws Exception {
        Path nbdinfo = Peers.requireTool("nbdinfo", "libnbd-bin");
        int port = 20000 + (int) (ProcessHandle.current().pid() % 20000);
        try (WbgovProcess serve = WbgovProcess.start(dir.resolve("tcp.log"), Map.of(), "serve", "--no-mlock",
                "-b", "127.0.0.1", "-p", Integer.toString(port), "-r", "memory:8M")) {
            awaitLine(serve);
            String uri = uriLine(serve);
            assertEquals("nbd://127.0.0.1:" + port + "/", uri);
            Peers.Result info = Peers.run(60, nbdinfo.toString(), "--is", "readonly", uri);
            assertEquals(0, info.exit(), "-r serves read-only: " + info.output());
        }
    }

    @Test
    void socketActivationServesTheSocketSystemdPasses() throws Exception {
        Path nbdinfo = Peers.requireTool("nbdinfo", "libnbd-bin");
        Path activate = Peers.requireTool("systemd-socket-activate", "systemd");
        Path sock = dir.resolve("activated.sock");
        List<String> cmd = new java.util.ArrayList<>(List.of(activate.toString(), "-l", sock.toString(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:MaxDirectMemorySize=320m",
                "-Djna.tmpdir=" + System.getProperty("jna.tmpdir", "/tmp"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--no-mlock", "memory:4M"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("act.log").toFile()).start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(sock) && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            // systemd-socket-activate starts the server at the first connection: nbdinfo is it.
            Peers.Result info = Peers.run(90, nbdinfo.toString(), "--size", "nbd+unix:///?socket=" + sock);
            assertEquals(0, info.exit(), info.output() + "\nserver log:\n" + Files.readString(dir.resolve("act.log")));
            assertEquals(4L << 20, Long.parseLong(info.output().trim()));
            assertTrue(Files.readString(dir.resolve("act.log")).contains("socket-activated"), Files.readString(dir.resolve("act.log")));
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
