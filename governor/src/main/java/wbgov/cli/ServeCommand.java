package wbgov.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import wbgov.nbd.Export;
import wbgov.nbd.IoFlusher;
import wbgov.nbd.MemoryLock;
import wbgov.nbd.NbdServer;
import wbgov.nbd.backend.Backend;
import wbgov.nbd.backend.BackendSpec;
import wbgov.nbd.backend.Durations;
import wbgov.nbd.backend.Sizes;

/** {@code wbgov serve}: the bundled NBD server, in the foreground. */
@Command(name = "serve", sortOptions = false,
        description = {"Serve one NBD export in the foreground until SIGINT/SIGTERM.",
            "BACKEND: memory:SIZE | file:PATH[,size=SIZE][,direct]   (SIZE: K/M/G/T, powers of 1024)"})
public final class ServeCommand implements Callable<Integer> {
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

    @Parameters(paramLabel = "BACKEND", description = "memory:SIZE | file:PATH[,size=SIZE][,direct]")
    String backend;

    @Override
    public Integer call() throws Exception {
        ServerSetup setup = ServerSetup.fromOptions(this);
        NbdServer server = setup.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            setup.stop();
            stopped.countDown();
        }, "wbgov-shutdown"));
        stopped.await();
        return 0;
    }

    /** Builds the export and server from serve's options; shared with {@code run --serve}. */
    static final class ServerSetup {
        final Export export;
        final String listen;
        final Path unix;
        final Path control;
        final boolean mlock;
        final boolean ioFlusher;
        NbdServer server;
        wbgov.nbd.control.ControlServer controlServer;

        private ServerSetup(Export export, String listen, Path unix, Path control, boolean mlock, boolean ioFlusher) {
            this.export = export;
            this.listen = listen;
            this.unix = unix;
            this.control = control;
            this.mlock = mlock;
            this.ioFlusher = ioFlusher;
        }

        static ServerSetup fromOptions(ServeCommand o) throws Exception {
            if (o.listen != null && o.unix != null) {
                throw new IllegalArgumentException("--listen and --unix exclude each other: give one");
            }
            BackendSpec spec = BackendSpec.parse(o.backend);
            long maxReq = Sizes.parse(o.maxRequest);
            if (maxReq > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--max-request " + o.maxRequest + ": at most 32M");
            }
            Export.Builder b;
            Backend be = spec.open(o.readOnly);
            try {
                b = Export.builder(be).name(o.name).description(o.description).readOnly(o.readOnly)
                        .maxRequestBytes((int) maxReq).inflightRequests(o.inflight)
                        .inflightBytes(Sizes.parse(o.inflightBytes)).rateBytesPerSec(Sizes.parse(o.rate))
                        .latencyNs(Durations.parseNanos(o.latency));
                return new ServerSetup(b.build(), o.listen, o.unix, o.control, !o.noMlock, !o.noIoFlusher);
            } catch (RuntimeException e) {
                be.close();
                throw e;
            }
        }

        NbdServer start() throws Exception {
            IoFlusher flusher = new IoFlusher(ioFlusher);
            List<Export> exports = List.of(export);
            try {
                if (unix != null) {
                    server = NbdServer.unix(unix, exports, flusher);
                } else {
                    String l = listen == null ? "127.0.0.1:10809" : listen;
                    int colon = l.lastIndexOf(':');
                    if (colon < 0) {
                        throw new IllegalArgumentException("--listen " + l + ": expected HOST:PORT");
                    }
                    String host = l.substring(0, colon).replace("[", "").replace("]", "");
                    int port;
                    try {
                        port = Integer.parseInt(l.substring(colon + 1));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--listen " + l + ": port is not a number");
                    }
                    server = NbdServer.tcp(host, port, exports, flusher);
                }
                if (control != null) {
                    controlServer = wbgov.nbd.control.ControlServer.start(control, exports);
                }
            } catch (Exception e) {
                export.close();
                throw e;
            }
            if (mlock) {
                MemoryLock.lockAll();
            }
            return server;
        }

        void stop() {
            if (controlServer != null) {
                controlServer.close();
            }
            if (server != null) {
                server.close();
            }
        }
    }
}
