package wbgov.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The bundled server's options, shared by {@code serve} and {@code run --serve}. */
public final class ServerOptions {
    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "TCP address (default 127.0.0.1:10809; never a non-loopback address unless given here)")
    String listen;

    @Option(names = "--unix", paramLabel = "PATH", description = "serve on a Unix socket instead of TCP")
    Path unix;

    @Option(names = "--name", paramLabel = "NAME", description = "export name (default \"\"; clients asking for \"\" get this export too)")
    String name = "";

    @Option(names = "--description", paramLabel = "TEXT", description = "export description (NBD_INFO_DESCRIPTION)")
    String description = "wbgov NBD export";

    @Option(names = "--read-only", description = "refuse writes with EPERM")
    boolean readOnly;

    @Option(names = "--max-request", paramLabel = "SIZE", description = "largest READ/WRITE advertised, power of two 64K..32M (default 32M)")
    String maxRequest = "32M";

    @Option(names = "--inflight", paramLabel = "N", description = "in-flight request limit (default 256)")
    int inflight = 256;

    @Option(names = "--inflight-bytes", paramLabel = "SIZE", description = "in-flight byte limit and buffer pool size (default 64M)")
    String inflightBytes = "64M";

    @Option(names = "--rate", paramLabel = "BYTES_PER_S", description = "emulate a backend of this speed (K/M/G, powers of 1024; 0 = unlimited)")
    String rate = "0";

    @Option(names = "--latency", paramLabel = "DURATION", description = "emulated service time per request, e.g. 20ms")
    String latency = "0";

    @Option(names = "--control", paramLabel = "PATH", description = "control socket (Unix, mode 0600) for wbgov ctl")
    Path control;

    @Option(names = "--no-mlock", description = "do not lock memory (mlockall)")
    boolean noMlock;

    @Option(names = "--no-io-flusher", description = "do not mark I/O threads with PR_SET_IO_FLUSHER")
    boolean noIoFlusher;

}
