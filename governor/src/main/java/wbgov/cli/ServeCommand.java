package wbgov.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    @Mixin
    ServerOptions options = new ServerOptions();

    @Parameters(paramLabel = "BACKEND", description = "memory:SIZE | file:PATH[,size=SIZE][,direct]")
    String backend;

    @Override
    public Integer call() throws Exception {
        ServerSetup setup = ServerSetup.fromOptions(options, backend);
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

        static ServerSetup fromOptions(ServerOptions o, String backendText) throws Exception {
            if (o.listen != null && o.unix != null) {
                throw new IllegalArgumentException("--listen and --unix exclude each other: give one");
            }
            BackendSpec spec = BackendSpec.parse(backendText);
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
