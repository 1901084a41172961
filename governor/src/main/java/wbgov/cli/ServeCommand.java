package wbgov.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import wbgov.governor.metrics.ExportCollector;
import wbgov.governor.metrics.Metrics;
import wbgov.governor.metrics.ProcessCollector;
import wbgov.nbd.Export;
import wbgov.nbd.IoFlusher;
import wbgov.nbd.MemoryLock;
import wbgov.nbd.NbdServer;
import wbgov.nbd.backend.Backend;
import wbgov.nbd.backend.BackendSpec;
import wbgov.nbd.units.Units;

/**
 * {@code wbgov serve}: the bundled NBD server, in the foreground. Takes the flags NBD admins
 * already type for qemu-nbd and nbdkit ({@code -U -p -b -e -r -P -f}), prints the URI clients
 * connect to, and serves a socket systemd passes (socket activation, {@code LISTEN_FDS}).
 */
@Command(name = "serve", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Serve one NBD export in the foreground until SIGINT/SIGTERM (SIGTERM exits 0).",
            "BACKEND: memory:SIZE | file:PATH[,size=SIZE][,direct]   (SIZE: K/M/G/T, powers of 1024)",
            "Prints the URI clients connect to (nbd://HOST:PORT/NAME or nbd+unix:///NAME?socket=PATH) on stdout once it listens.",
            "Under systemd socket activation (LISTEN_FDS=1 for this pid) it serves the socket systemd passes and ignores -U/-p/-b."})
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    ServerOptions options = new ServerOptions();

    @Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Option(names = {"-P", "--pidfile"}, paramLabel = "FILE", description = "write the server's pid here once it listens; removed on exit")
    Path pidFile;

    @Option(names = {"-f", "--foreground"}, description = "accepted for nbdkit/qemu-nbd compatibility: serve always runs in the foreground")
    boolean foreground;

    @Parameters(paramLabel = "BACKEND", description = "memory:SIZE | file:PATH[,size=SIZE][,direct]")
    String backend;

    @Override
    public Integer call() throws Exception {
        metrics.httpAddress(); // a usage error before anything starts
        metrics.textfileIntervalNs();
        ServerSetup setup = ServerSetup.fromOptions(options, backend);
        setup.activated = SocketActivation.listener(System.getenv(), ProcessHandle.current().pid());
        // Before the server listens: a metrics port in use stops the start, not a live server.
        List<Export> exports = List.of(setup.export);
        Metrics exported = metrics.start(List.of(new ProcessCollector(), new ExportCollector(() -> exports)));
        NbdServer server = setup.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Path pid = pidFile;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            exported.close();
            setup.stop();
            if (pid != null) {
                try {
                    Files.deleteIfExists(pid);
                } catch (IOException e) {
                    // left behind: the next start overwrites it
                }
            }
            stopped.countDown();
        }, "wbgov-shutdown"));
        Main.exitZeroOnSigterm();
        if (pid != null) {
            Files.writeString(pid, ProcessHandle.current().pid() + "\n");
        }
        System.out.println(uri(server.address(), setup.export.name()));
        System.out.flush();
        stopped.await();
        return 0;
    }

    /**
     * The NBD URI of an export at an address (the NBD URI spec, doc/uri.md): {@code nbd://HOST:PORT/NAME},
     * {@code nbd+unix:///NAME?socket=PATH}.
     */
    static String uri(String address, String exportName) {
        String name = java.net.URLEncoder.encode(exportName, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        String a = address.replace(" (socket-activated)", "");
        if (a.startsWith("unix:")) {
            return "nbd+unix:///" + name + "?socket=" + a.substring(5);
        }
        return "nbd://" + a + "/" + name;
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
        /** A listening socket systemd passed (socket activation), served instead of listen/unix. */
        java.nio.channels.ServerSocketChannel activated;

        private ServerSetup(Export export, String listen, Path unix, Path control, boolean mlock, boolean ioFlusher) {
            this.export = export;
            this.listen = listen;
            this.unix = unix;
            this.control = control;
            this.mlock = mlock;
            this.ioFlusher = ioFlusher;
        }

        static ServerSetup fromOptions(ServerOptions o, String backendText) throws Exception {
            String tcp = o.tcpAddress();
            BackendSpec spec = BackendSpec.parse(backendText);
            long maxReq = Units.parseBytes("--max-request", o.maxRequest);
            if (maxReq > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--max-request " + o.maxRequest + ": at most 32M");
            }
            Export.Builder b;
            Backend be = spec.open(o.readOnly);
            try {
                b = Export.builder(be).name(o.name).description(o.description).readOnly(o.readOnly)
                        .maxRequestBytes((int) maxReq).inflightRequests(o.serving.inflight)
                        .inflightBytes(Units.parseBytes("--inflight-bytes", o.serving.inflightBytes))
                        .rateBytesPerSec(Units.parseBytes("--rate", o.serving.rate))
                        .latencyNs(Units.parseDurationNs("--latency", o.serving.latency))
                        .clientTimeoutNs(o.serving.clientTimeout == null ? 0
                                : Units.parseDurationNs("--client-timeout", o.serving.clientTimeout));
                return new ServerSetup(b.build(), tcp, o.unix, o.serving.control, !o.serving.noMlock, !o.serving.noIoFlusher);
            } catch (RuntimeException e) {
                be.close();
                throw e;
            }
        }

        NbdServer start() throws Exception {
            IoFlusher flusher = new IoFlusher(ioFlusher);
            List<Export> exports = List.of(export);
            try {
                if (activated != null) {
                    server = NbdServer.inherited(activated, exports, flusher);
                } else if (unix != null) {
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
