package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import wbgov.nbd.testing.Peers;
import wbgov.nbd.testing.ServeMain;

/**
 * Every acknowledged FLUSH (and FUA write) survives kill -9 of the server process: a libnbd
 * client writes, flushes, records what was acknowledged, and keeps writing elsewhere; the
 * server JVM is killed with SIGKILL mid-stream, restarted on the same file, and every recorded
 * block reads back intact. With and without O_DIRECT (4096-aligned, through a real client).
 */
class DurabilityTest {
    @ParameterizedTest
    @ValueSource(strings = {"", ",direct"})
    void flushedWritesSurviveKill9(String option) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Peers.require(Files.isExecutable(python)
                && Peers.run(30, python.toString(), "-c", "import nbd").exit() == 0,
                "python3 with libnbd's binding is missing (Debian package python3-libnbd)");
        Path dir = Files.createTempDirectory("wbgov-durability");
        Path script = dir.resolve("durability.py");
        try (InputStream in = DurabilityTest.class.getResourceAsStream("durability.py")) {
            Files.copy(in, script);
        }
        Path sock = dir.resolve("nbd.sock");
        Path file = dir.resolve("export.img");
        Path manifest = dir.resolve("manifest");
        String backend = "file:" + file + ",size=64M" + option;
        String uri = "nbd+unix:///?socket=" + sock;
        Process server = ServeMain.start(sock, backend, dir.resolve("server1.log"));
        assertEquals(option.isEmpty(), !Files.readString(dir.resolve("server1.log")).contains("(O_DIRECT)"),
                Files.readString(dir.resolve("server1.log")));
        Process writer = null;
        try {
            writer = new ProcessBuilder(python.toString(), script.toString(), uri, "write", manifest.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("writer.log").toFile()).start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.readString(dir.resolve("writer.log")).contains("DURABLE")) {
                assertTrue(writer.isAlive() && System.nanoTime() - deadline < 0,
                        "writer failed:\n" + Files.readString(dir.resolve("writer.log")));
                Thread.sleep(20);
            }
            Thread.sleep(200); // unflushed writes are now in flight
            server.destroyForcibly(); // SIGKILL
            assertTrue(server.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, server.exitValue(), "killed by SIGKILL");
            assertTrue(writer.waitFor(30, TimeUnit.SECONDS), "the writer must notice the server is gone");

            server = ServeMain.start(sock, backend, dir.resolve("server2.log"));
            Peers.Result r = Peers.run(60, python.toString(), script.toString(), uri, "verify", manifest.toString());
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains("verified 56 blocks, 0 bad"), r.output());
        } finally {
            if (writer != null) {
                writer.destroyForcibly().waitFor();
            }
            server.destroyForcibly().waitFor();
            try (var s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
