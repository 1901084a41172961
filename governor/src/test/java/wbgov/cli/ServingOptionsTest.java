package wbgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** attach, serve and run --serve take the serving options from one class, with one meaning. */
class ServingOptionsTest {
    private static final String[] SERVING = {"--inflight", "8", "--inflight-bytes", "16M", "--rate", "1M", "--latency",
        "20ms", "--control", "/run/x.ctl", "--no-mlock", "--no-io-flusher"};

    private static void assertServing(ServingOptions s) {
        assertEquals(8, s.inflight);
        assertEquals("16M", s.inflightBytes);
        assertEquals("1M", s.rate);
        assertEquals("20ms", s.latency);
        assertEquals(Path.of("/run/x.ctl"), s.control);
        assertTrue(s.noMlock);
        assertTrue(s.noIoFlusher);
    }

    private static String[] with(String... more) {
        String[] all = new String[SERVING.length + more.length];
        System.arraycopy(SERVING, 0, all, 0, SERVING.length);
        System.arraycopy(more, 0, all, SERVING.length, more.length);
        return all;
    }

    @Test
    void attachServeAndRunTakeThem() {
        AttachCommand attach = new AttachCommand();
        new CommandLine(attach).parseArgs(with("-b", "512", "/dev/nbd0", "memory:1M"));
        assertServing(attach.serving);
        assertEquals(512, attach.blockSize); // attach's own -b, not serve's --bind
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(with("-b", "::1", "memory:1M"));
        assertServing(serve.options.serving);
        assertEquals("::1", serve.options.bind);
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(with("--serve", "memory:1M"));
        assertServing(run.serverOptions.serving);
    }

    @Test
    void defaultsAreTheServersDefaults() {
        ServingOptions s = new ServingOptions();
        assertEquals(256, s.inflight);
        assertEquals("64M", s.inflightBytes);
        assertEquals("0", s.rate);
        assertEquals("0", s.latency);
    }
}
