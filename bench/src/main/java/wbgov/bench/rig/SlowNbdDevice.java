package wbgov.bench.rig;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.linux.Executables;
import wbgov.nbd.Export;
import wbgov.nbd.IoFlusher;
import wbgov.nbd.NbdServer;
import wbgov.nbd.backend.FileBackend;

/**
 * A slow network block device on this machine's real write-back path, which has no kernel NBD
 * client: the bundled NBD server in this JVM (memory backend, emulated write rate, Unix socket)
 * ← nbdfuse (its own process) ← a loop device on the FUSE file ← ext4, mounted.
 *
 * <pre>
 *   writers → ext4 (mountPoint) → /dev/loopN (loopBdi 7:N) → FUSE file (fuseBdi 0:M)
 *           → nbdfuse (pid) → unix socket → NbdServer → Export (rate-limited memfd)
 * </pre>
 *
 * The file system is made and mounted at full speed, and only then is the emulated rate set, so
 * building the rig does not take minutes at 1 MiB/s. The rate is changed at runtime with
 * {@link #setRate(long)}; the {@link #export()} is handed to a governor so it can set the
 * export's in-flight limit.
 *
 * <p>{@link #close()} (also run by the {@link Teardown} hook on failure and Ctrl-C) lifts the
 * rate first so whatever is dirty drains at memory speed, then unmounts, detaches the loop
 * device, unmounts the FUSE file system ({@code fusermount3 -u}), stops nbdfuse by its PID and
 * closes the server. Every step is attempted even if an earlier one failed.
 */
public final class SlowNbdDevice implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(SlowNbdDevice.class);

    private final Path workDir;
    private final Path socket;
    private final Path fuseDir;
    private final Path fuseFile;
    private final Path mountPoint;
    private Export export;
    private NbdServer server;
    private Process nbdfuse;
    private String loopDevice;
    private String loopBdi;
    private String fuseBdi;
    private boolean mounted;
    private final Teardown.Handle teardown;

    private SlowNbdDevice(Builder b) {
        this.workDir = b.workDir.toAbsolutePath().normalize();
        this.socket = workDir.resolve("nbd.sock");
        this.fuseDir = workDir.resolve("fuse");
        this.fuseFile = fuseDir.resolve("disk");
        this.mountPoint = workDir.resolve("mnt");
        this.teardown = Teardown.register("slow NBD device in " + workDir, this::teardown);
    }

    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    /** Settings; defaults as field initialisers. */
    public static final class Builder {
        private final Path workDir;
        private long sizeBytes = 1L << 30;
        private long rateBytesPerSec = 1L << 20;
        private long latencyNs;
        private int maxRequestBytes = 1 << 20;
        private long inflightBytes = 64L << 20;
        private String name = "slow";

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        /** Export size (sparse memfd: only written pages cost memory). Default 1 GiB. */
        public Builder sizeBytes(long n) {
            sizeBytes = Rigs.ext4Size(n);
            return this;
        }

        /** Emulated rate once built, bytes/s; 0 = unlimited. Default 1 MiB/s. */
        public Builder rateBytesPerSec(long r) {
            rateBytesPerSec = Rigs.rate(r);
            return this;
        }

        /** Emulated per-request latency once built, ns. Default 0. */
        public Builder latencyNs(long ns) {
            if (ns < 0) {
                throw new IllegalArgumentException("latency must be >= 0: " + ns);
            }
            latencyNs = ns;
            return this;
        }

        /** Largest request advertised (power of two, 64K..32M). Default 1 MiB. */
        public Builder maxRequestBytes(int n) {
            maxRequestBytes = n;
            return this;
        }

        /** In-flight byte limit at start and buffer pool size. Default 64 MiB. */
        public Builder inflightBytes(long n) {
            inflightBytes = n;
            return this;
        }

        public Builder name(String n) {
            name = n;
            return this;
        }

        /** Builds the whole stack; on any failure tears down what was built and throws. */
        public SlowNbdDevice build() throws IOException {
            Rigs.requireRoot();
            for (String tool : List.of("nbdfuse", "losetup", "mkfs.ext4", "mount", "umount", "fusermount3")) {
                if (Executables.which(tool) == null) {
                    throw new IOException("slow NBD device: '" + tool + "' is not installed");
                }
            }
            SlowNbdDevice d = new SlowNbdDevice(this);
            return Rigs.buildOrClose(d, () -> d.build(this));
        }
    }

    private void build(Builder b) throws IOException {
        Files.createDirectories(fuseDir);
        Files.createDirectories(mountPoint);
        export = Export.builder(FileBackend.memory(b.sizeBytes)).name(b.name).maxRequestBytes(b.maxRequestBytes)
                .inflightBytes(b.inflightBytes).rateBytesPerSec(0).build();
        server = NbdServer.unix(socket, List.of(export), new IoFlusher(false));
        nbdfuse = new ProcessBuilder("nbdfuse", fuseFile.toString(), "--unix", socket.toString())
                .redirectErrorStream(true).redirectOutput(workDir.resolve("nbdfuse.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(fuseFile)) {
            if (!nbdfuse.isAlive()) {
                throw new IOException("nbdfuse exited with " + nbdfuse.exitValue() + " before mounting " + fuseDir
                        + " (see " + workDir.resolve("nbdfuse.log") + ")");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("nbdfuse did not mount " + fuseDir + " within 20 s");
            }
            Rigs.sleepMs(20);
        }
        fuseBdi = Sh.mountedDev(fuseDir);
        loopDevice = Sh.run("losetup", "-f", "--show", fuseFile.toString());
        loopBdi = Sh.majMin(loopDevice.substring(loopDevice.lastIndexOf('/') + 1));
        // Lazy init off the write path: otherwise ext4lazyinit keeps writing at 1 MiB/s after mount.
        Sh.run("mkfs.ext4", "-q", "-F", "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1", loopDevice);
        Sh.run("mount", "-t", "ext4", "-o", "noinit_itable", loopDevice, mountPoint.toString());
        mounted = true;
        Sh.run("sync", "-f", mountPoint.toString());
        export.emulator().setLatencyNs(b.latencyNs);
        export.emulator().setRate(b.rateBytesPerSec);
        LOG.info("slow NBD device: {} (bdi {}) on FUSE {} (bdi {}, nbdfuse pid {}), ext4 at {}, {}/s", loopDevice,
                loopBdi, fuseFile, fuseBdi, nbdfuse.pid(), mountPoint,
                b.rateBytesPerSec == 0 ? "unlimited" : b.rateBytesPerSec + " B");
    }

    /** Changes the emulated write rate now (bytes/s; 0 = unlimited). */
    public void setRate(long bytesPerSec) {
        export.emulator().setRate(bytesPerSec);
    }

    /** The emulated rate in force (bytes/s; 0 = unlimited). */
    public long rate() {
        return export.emulator().rateBytesPerSec();
    }

    /** The mounted ext4 file system: where writers write. */
    public Path mountPoint() {
        return mountPoint;
    }

    /** The loop device's bdi ("7:N"): where the slow file system's dirty pages are counted. */
    public String loopBdi() {
        return loopBdi;
    }

    /** "/dev/loopN". */
    public String loopDevice() {
        return loopDevice;
    }

    /** The FUSE mount's anonymous bdi ("0:M"): it sees the loop device's write-out. */
    public String fuseBdi() {
        return fuseBdi;
    }

    /** The FUSE file the loop device is attached to. */
    public Path fuseFile() {
        return fuseFile;
    }

    /** The bundled server's export: give it to a governor to set its in-flight limit. */
    public Export export() {
        return export;
    }

    public Path socket() {
        return socket;
    }

    /** PID of the nbdfuse process, -1 when not running. */
    public long nbdfusePid() {
        return nbdfuse != null && nbdfuse.isAlive() ? nbdfuse.pid() : -1;
    }

    /** Tears everything down (idempotent); see the class comment for the order. */
    @Override
    public void close() throws IOException {
        teardown.closeIo();
    }

    private void teardown() throws IOException {
        List<String> failures = new ArrayList<>();
        if (export != null) {
            export.emulator().setRate(0); // drain what is dirty at memory speed, not at 1 MiB/s
            export.emulator().setLatencyNs(0);
        }
        if (mounted) {
            if (!Rigs.umount(mountPoint, failures)) {
                LOG.warn("{} still busy: lazily unmounted", mountPoint);
            }
            mounted = false;
        }
        if (loopDevice != null) {
            Rigs.detach(loopDevice, failures);
            loopDevice = null;
        }
        if (nbdfuse != null) {
            if (Sh.isMounted(fuseDir)) {
                try {
                    Sh.run("fusermount3", "-u", fuseDir.toString());
                } catch (IOException e) {
                    try {
                        Sh.run("fusermount3", "-u", "-z", fuseDir.toString());
                    } catch (IOException e2) {
                        failures.add(e.getMessage());
                    }
                }
            }
            stopProcess(nbdfuse);
            nbdfuse = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
        if (export != null) {
            export.close();
            export = null;
        }
        if (!failures.isEmpty()) {
            throw new IOException("slow NBD device teardown in " + workDir + ": " + String.join("; ", failures));
        }
    }

    /** SIGTERM by PID, then SIGKILL if it does not exit within 10 s. */
    static void stopProcess(Process p) {
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
