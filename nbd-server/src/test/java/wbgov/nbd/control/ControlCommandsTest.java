package wbgov.nbd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import wbgov.nbd.Export;
import wbgov.nbd.backend.FileBackend;

/** The control language's values in the one grammar of {@code Units}, through a real socket and client. */
class ControlCommandsTest {
    @Test
    void valuesTakeTheUnitsGrammarAndErrorsNameTheKey() throws IOException {
        Path dir = Files.createTempDirectory("wbgov-ctl-test");
        Path sock = dir.resolve("ctl.sock");
        try (Export e = Export.builder(FileBackend.memory(16L << 20)).maxRequestBytes(1 << 20).build();
                ControlServer s = ControlServer.start(sock, List.of(e))) {
            assertEquals("ok\n", ControlClient.send(sock, "set latency 1.5ms"));
            assertEquals("1.5ms\n", ControlClient.send(sock, "get latency"));
            assertEquals(1_500_000L, e.emulator().latencyNs());
            assertEquals("ok\n", ControlClient.send(sock, "set latency 0"));
            assertEquals("0ns\n", ControlClient.send(sock, "get latency"));
            assertEquals("ok\n", ControlClient.send(sock, "set rate 1.5MiB"));
            assertEquals((3L << 19) + "\n", ControlClient.send(sock, "get rate"));
            assertEquals("ok\n", ControlClient.send(sock, "set inflight-bytes 2M"));
            assertEquals((2L << 20) + "\n", ControlClient.send(sock, "get inflight-bytes"));

            assertEquals("error: latency: expected a duration like \"500ms\", \"2s\", \"1m\" (units ns, us, ms, s, m, h), "
                    + "got \"20\" (a number needs its unit: \"20ms\" or \"20s\"?)\n", ControlClient.send(sock, "set latency 20"));
            assertEquals("error: latency: duration \"-1ms\" must be ≥ 0\n", ControlClient.send(sock, "set latency -1ms"));
            assertEquals("error: rate: size \"0.3K\" is not a whole number of bytes (307.2)\n",
                    ControlClient.send(sock, "set rate 0.3K"));
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void anAbsentSocketIsNamed() {
        Path sock = Path.of("/nonexistent-wbgov-dir/ctl.sock");
        IOException e = assertThrows(IOException.class, () -> ControlClient.send(sock, "get stats"));
        assertTrue(e.getMessage().startsWith("cannot reach control socket " + sock + ": "), e.getMessage());
    }
}
