package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.testing.Peers;
import wbgov.nbd.testing.TestServer;

/**
 * The memory backend is a mapped memfd in 1 GiB segments: data written across a segment
 * boundary reads back intact through a real client (libnbd), and TRIM / WRITE_ZEROES through
 * the mapping read back as zeros.
 */
class MemoryBackendRoundTripTest {
    @Test
    void dataAcrossSegmentsTrimAndZero() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Peers.require(Files.isExecutable(python) && Peers.run(30, python.toString(), "-c", "import nbd").exit() == 0,
                "python3 with libnbd's binding is missing (Debian package python3-libnbd)");
        try (TestServer s = new TestServer(Export.builder(FileBackend.memory(3L << 30)).build())) {
            Path script = s.dir.resolve("roundtrip.py");
            try (InputStream in = MemoryBackendRoundTripTest.class.getResourceAsStream("roundtrip.py")) {
                Files.copy(in, script);
            }
            Peers.Result r = Peers.run(120, python.toString(), script.toString(), s.uri());
            assertTrue(r.exit() == 0 && r.output().contains("OK large"), r.output());
        }
    }
}
