package wbgov.nbd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import wbgov.nbd.Export;
import wbgov.nbd.IoFlusher;
import wbgov.nbd.NbdServer;
import wbgov.nbd.control.ControlClient;
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
        return ControlClient.send(control, command);
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
