package wbgov.nbd.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import wbgov.nbd.Export;
import wbgov.nbd.IoFlusher;
import wbgov.nbd.NbdServer;
import wbgov.nbd.backend.BackendSpec;

/**
 * A server in its own JVM, for tests that must kill it (kill -9): {@code ServeMain SOCKET
 * BACKEND}. The CLI lives in the governor module; this is the least that serves one export.
 * Prints "ready" once listening, then serves until killed.
 */
public final class ServeMain {
    private ServeMain() {
    }

    public static void main(String[] args) throws Exception {
        Export export = Export.builder(BackendSpec.parse(args[1]).open(false)).maxRequestBytes(1 << 20)
                .inflightBytes(16L << 20).build();
        NbdServer.unix(Path.of(args[0]), List.of(export), new IoFlusher(false));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Starts {@code ServeMain} in a new JVM with this JVM's class path; returns once it is ready. */
    public static Process start(Path socket, String backend, Path log) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx64m", "-XX:+UseSerialGC",
                "-Djna.tmpdir=" + System.getProperty("jna.tmpdir", System.getProperty("java.io.tmpdir")),
                "-cp", System.getProperty("java.class.path"), ServeMain.class.getName(), socket.toString(), backend)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            if (Files.readString(log).contains("ready")) {
                return p;
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        p.destroyForcibly().waitFor();
        throw new IllegalStateException("server JVM did not become ready:\n" + Files.readString(log));
    }
}
