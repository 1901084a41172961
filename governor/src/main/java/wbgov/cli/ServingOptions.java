package wbgov.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How the bundled server serves, whatever its address: the in-flight limits, the emulated
 * backend speed, the control socket, memory locking and the I/O flusher flag. Shared by
 * {@code serve} and {@code run --serve} (through {@link ServerOptions}) and by {@code attach}.
 */
public final class ServingOptions {
    @Option(names = "--inflight", paramLabel = "N", description = "in-flight request limit (default 256)")
    int inflight = 256;

    @Option(names = "--inflight-bytes", paramLabel = "SIZE", description = "in-flight byte limit and buffer pool size (default 64M)")
    String inflightBytes = "64M";

    @Option(names = "--rate", paramLabel = "BYTES_PER_S", description = "emulate a backend of this speed (K/M/G, powers of 1024; 0 = unlimited)")
    String rate = "0";

    @Option(names = "--latency", paramLabel = "DURATION", description = "emulated service time per request, e.g. 20ms")
    String latency = "0";

    @Option(names = "--client-timeout", paramLabel = "DURATION", description = "the clients' request timeout "
            + "(as nbd-client -t), e.g. 30s: under wbgov run, the in-flight limit keeps a request's age in the server "
            + "under half of it (default: none)")
    String clientTimeout;

    @Option(names = "--control", paramLabel = "PATH", description = "control socket (Unix, mode 0600) for wbgov ctl")
    Path control;

    @Option(names = "--no-mlock", description = "do not lock memory (mlockall)")
    boolean noMlock;

    @Option(names = "--no-io-flusher", description = "do not mark I/O threads with PR_SET_IO_FLUSHER")
    boolean noIoFlusher;
}
