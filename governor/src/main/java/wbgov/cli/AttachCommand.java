package wbgov.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wbgov attach DEVICE BACKEND}: serves BACKEND with the bundled server and connects the
 * kernel's NBD client ({@code /dev/nbdX}) to it through {@code nbd-client}.
 *
 * <p>How the server lives: in this process, in the foreground, like {@code serve}. attach prints
 * "attached DEVICE …" once the device is usable and then stays until {@code wbgov detach
 * DEVICE}, SIGTERM/SIGINT (both disconnect the device first: flush, then {@code nbd-client
 * -d}), or until someone disconnects the device directly. That is what a systemd unit
 * ({@code Type=simple}, {@code ExecStop=wbgov detach DEVICE}) or a shell's {@code &} expects,
 * and it keeps the server a plain child of whoever started it: its memory lock, its I/O
 * flusher flag and its logs stay where the operator put them. The pid file
 * {@code /run/wbgov/nbdX.pid} and the private socket {@code /run/wbgov/nbdX.sock} are removed
 * on exit.
 */
@Command(name = "attach", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Serve BACKEND and connect the kernel NBD device DEVICE (/dev/nbdN) to it with nbd-client. "
            + "Stays in the foreground until 'wbgov detach DEVICE' or SIGTERM, which flush and disconnect the device "
            + "first; the pid is in /run/wbgov/nbdN.pid.",
            "BACKEND: memory:SIZE | file:PATH[,size=SIZE][,direct]"})
public final class AttachCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(AttachCommand.class);

    @Option(names = {"-C", "--connections"}, paramLabel = "N", description = "connections the kernel opens (nbd-client -C; default 1)")
    int connections = 1;

    @Option(names = {"-b", "--block-size"}, paramLabel = "BYTES", description = "the device's logical block size: 512, 1024, 2048 or 4096 (default 4096)")
    int blockSize = 4096;

    @Option(names = {"-t", "--timeout"}, paramLabel = "SECONDS", description = "the kernel client's request timeout (nbd-client -t; default: the kernel's)")
    int timeout;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "serve on TCP instead of the private Unix socket /run/wbgov/nbdN.sock")
    String listen;

    @Option(names = "--read-only", description = "a read-only device")
    boolean readOnly;

    @Mixin
    ServingOptions serving = new ServingOptions();

    @Parameters(index = "0", paramLabel = "DEVICE", description = "/dev/nbdN")
    String device;

    @Parameters(index = "1", paramLabel = "BACKEND", description = "memory:SIZE | file:PATH[,size=SIZE][,direct]")
    String backend;

    @Override
    public Integer call() throws Exception {
        NbdDevice d = NbdDevice.parse(device);
        if (connections < 1 || connections > 64) {
            throw new IllegalArgumentException("--connections " + connections + ": expected 1..64");
        }
        if (blockSize != 512 && blockSize != 1024 && blockSize != 2048 && blockSize != 4096) {
            throw new IllegalArgumentException("--block-size " + blockSize + ": expected 512, 1024, 2048 or 4096");
        }
        d.requireKernelClient();
        Path nbdClient = NbdDevice.requireNbdClient();
        if (d.connected() || d.ownerPid() > 0) {
            throw new IOException(d.dev + " is in use (already connected"
                    + (d.ownerPid() > 0 ? " by wbgov attach, pid " + d.ownerPid() : "") + "); detach it first");
        }
        Files.createDirectories(NbdDevice.RUN_DIR);
        Files.setPosixFilePermissions(NbdDevice.RUN_DIR, PosixFilePermissions.fromString("rwx------"));

        ServerOptions s = new ServerOptions();
        s.name = d.name;
        s.description = "wbgov attach " + d.dev;
        s.readOnly = readOnly;
        s.serving = serving;
        if (timeout > 0 && serving.clientTimeout == null) {
            serving.clientTimeout = timeout + "s"; // the server is told the timeout its client gets
        }
        if (listen != null) {
            s.listen = listen;
        } else {
            s.unix = d.socket();
        }
        ServeCommand.ServerSetup setup = ServeCommand.ServerSetup.fromOptions(s, backend);
        setup.start();

        List<String> cmd = new ArrayList<>(List.of(nbdClient.toString()));
        String where;
        if (listen != null) {
            int colon = listen.lastIndexOf(':');
            cmd.add(listen.substring(0, colon).replace("[", "").replace("]", ""));
            cmd.add(listen.substring(colon + 1));
            where = "tcp:" + listen;
        } else {
            cmd.add("-u");
            cmd.add(d.socket().toString());
            where = "unix:" + d.socket();
        }
        cmd.addAll(List.of(d.dev.toString(), "-N", d.name, "-b", Integer.toString(blockSize),
                "-C", Integer.toString(connections)));
        if (timeout > 0) {
            cmd.addAll(List.of("-t", Integer.toString(timeout)));
        }
        NbdDevice.Exec r;
        try {
            r = NbdDevice.Exec.run(120, cmd);
        } catch (IOException e) {
            setup.stop();
            throw e;
        }
        if (r.exit() != 0 || !d.connected()) {
            setup.stop();
            throw new IOException("nbd-client could not connect " + d.dev + " (exit " + r.exit() + "): "
                    + r.output().trim());
        }
        long pid = ProcessHandle.current().pid();
        Files.writeString(d.pidFile(), pid + "\n");

        AtomicBoolean tornDown = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Runnable teardown = () -> {
            if (!tornDown.compareAndSet(false, true)) {
                // Another thread is tearing down (the watcher saw `wbgov detach` disconnect the
                // device; then systemd's SIGTERM runs this hook): wait for it to finish, or the
                // JVM exits mid-teardown and leaves the socket and pid file behind (seen under
                // systemd: GuestSystemdIT, "nbd0.sock and nbd0.pid gone" failed once).
                try {
                    done.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            try {
                if (d.connected()) {
                    List<String> users = d.users();
                    if (!users.isEmpty()) {
                        LOG.warn("{} is still in use ({}) and is being disconnected", d.dev, String.join(", ", users));
                    }
                    flushDevice(d.dev);
                    NbdDevice.Exec x = d.disconnect();
                    if (x.exit() != 0) {
                        LOG.warn("nbd-client -d {} failed (exit {}): {}", d.dev, x.exit(), x.output().trim());
                    }
                    waitDisconnected(d, 30);
                }
            } catch (IOException e) {
                LOG.warn("disconnecting {}: {}", d.dev, e.getMessage());
            } finally {
                setup.stop();
                try {
                    Files.deleteIfExists(d.pidFile());
                } catch (IOException e) {
                    // left behind; ownerPid() ignores a pid that is not a live attach
                }
                LOG.info("detached {}", d.dev);
                done.countDown();
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(teardown, "wbgov-detach"));
        Main.exitZeroOnSigterm();
        // The line scripts and operators wait for. stdout, then flushed: it is the readiness signal.
        System.out.println("attached " + d.dev + ": " + backend + " served on " + where + ", " + connections
                + " connection" + (connections == 1 ? "" : "s") + ", block size " + blockSize + "; pid " + pid
                + " (stop with 'wbgov detach " + d.dev + "' or SIGTERM)");
        System.out.flush();
        // Until detach/SIGTERM (the hook runs teardown), or the device is disconnected directly.
        while (!done.await(1, TimeUnit.SECONDS)) {
            if (!d.connected()) {
                LOG.info("{} was disconnected (not by this process); stopping the server", d.dev);
                teardown.run();
            }
        }
        return 0;
    }

    /** Writes back the device's own page cache (a raw block device's dirty pages) before DISC. */
    static void flushDevice(Path dev) {
        try (FileChannel c = FileChannel.open(dev, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            LOG.debug("flushing {}: {}", dev, e.getMessage());
        }
    }

    static boolean waitDisconnected(NbdDevice d, int seconds) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (d.connected() && System.nanoTime() < end) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return !d.connected();
    }
}
