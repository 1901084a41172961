package wbgov.nbd.testing;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import wbgov.nbd.Export;
import wbgov.nbd.IoFlusher;
import wbgov.nbd.NbdServer;
import wbgov.nbd.control.ControlServer;

/**
 * An in-process server on a Unix socket in a fresh temporary directory, with a control socket
 * beside it: what the governor does with {@code wbgov run --serve}. Close it to stop everything.
 */
public final class TestServer implements AutoCloseable {
    public final Path dir;
    public final Path socket;
    public final Path control;
    public final Export export;
    public final NbdServer server;
    private final ControlServer controlServer;

    public TestServer(Export export) throws IOException {
        this.dir = Files.createTempDirectory("wbgov-nbd-test");
        this.socket = dir.resolve("nbd.sock");
        this.control = dir.resolve("ctl.sock");
        this.export = export;
        this.server = NbdServer.unix(socket, List.of(export), new IoFlusher(false));
        this.controlServer = ControlServer.start(control, List.of(export));
    }

    /** The NBD URI real clients take: {@code nbd+unix:///?socket=…}. */
    public String uri() {
        return "nbd+unix:///?socket=" + socket;
    }

    /** What {@code wbgov ctl PATH WORDS…} sends and prints: one command, the whole answer. */
    public String ctl(String command) throws IOException {
        return ctl(control, command);
    }

    public static String ctl(Path control, String command) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(control));
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                c.write(out);
            }
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (c.read(in) >= 0 && in.hasRemaining()) {
                // until the server closes
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
        }
    }

    /** fio's nbd engine against this server, started (not waited for); output to a file in dir. */
    public Process fio(String... jobArgs) throws IOException {
        Path fio = Peers.requireTool("fio", "fio");
        List<String> cmd = new ArrayList<>();
        cmd.add(fio.toString());
        cmd.add("--name=t");
        cmd.add("--ioengine=nbd");
        cmd.add("--uri=" + uri());
        cmd.add("--output=" + dir.resolve("fio-" + System.nanoTime() + ".json"));
        cmd.add("--output-format=json");
        cmd.addAll(List.of(jobArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("fio-" + System.nanoTime() + ".log").toFile());
        return pb.start();
    }

    /** Stops fio by its PID (SIGTERM, then SIGKILL) and waits for it. */
    public static void stop(Process p) throws InterruptedException {
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws IOException {
        controlServer.close();
        server.close();
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }
}
