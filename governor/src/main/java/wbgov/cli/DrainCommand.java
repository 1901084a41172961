package wbgov.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.discover.DeviceTable;
import wbgov.governor.estimate.RateEstimator;
import wbgov.governor.sample.BdiSample;
import wbgov.governor.sample.BdiSampler;
import wbgov.linux.LinuxCalls;
import wbgov.linux.LinuxException;
import wbgov.nbd.control.ControlClient;
import wbgov.nbd.units.Units;

/**
 * {@code wbgov drain DEVICE|MOUNTPOINT}: empty one device, so it can be unmounted or pulled.
 *
 * <pre>
 *   1. the daemon holds that device at its floor, strict (its new writers wait), under a lease
 *      this command renews every second: killed with -9, the device is handed back within it
 *   2. syncfs(2) of each of its file systems (not a global sync: no other device is touched),
 *      then fdatasync(2) of its block device node (metadata a journal left dirty there); again
 *      while it still holds data
 *   3. until it holds nothing (dirty + write-back 0, every sync returned): bytes left, rate, ETA
 *   4. the lease is released (also on Ctrl-C and on time-out): the law takes it back up
 * </pre>
 * Without a running daemon (or for a device it does not govern) step 1 is skipped, with a note:
 * the device is synced and watched, but new writes to it are not held back.
 */
@Command(name = "drain", mixinStandardHelpOptions = true,
        description = {"Empty one device so it can be unmounted or unplugged: the daemon holds its new writers "
            + "back (its allowance at the floor), its file systems are synced (syncfs, not a global sync), and "
            + "progress is shown until it holds nothing. Other devices are not touched.",
            "Exits 0 when the device holds nothing, 1 on time-out or failure, 2 for an unknown device."})
public final class DrainCommand implements Callable<Integer> {
    /** How long the daemon holds the device if this command stops renewing (killed). */
    static final long LEASE_NS = 5_000_000_000L;
    private static final long RENEW_NS = 1_000_000_000L;
    private static final long POLL_NS = 50_000_000L;

    @Parameters(paramLabel = "DEVICE|MOUNTPOINT",
            description = "a block device (loop0, /dev/loop0), a bdi (7:0) or a mount point of it")
    String target;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
            description = "give up after this long (e.g. 90s, 5m; default ${DEFAULT-VALUE}): exit 1")
    String timeout;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "the daemon's --state-dir (default /run/wbgov)")
    Path stateDir;

    // ---- the command ----

    @Override
    public Integer call() throws Exception {
        long timeoutNs;
        try {
            timeoutNs = Units.parseDurationNs("--timeout", timeout);
        } catch (IllegalArgumentException e) {
            System.err.println("wbgov drain: " + e.getMessage());
            return 2;
        }
        DeviceTable table = DeviceScanner.system().scan();
        DeviceInfo dev = resolve(table, target);
        if (dev == null) {
            System.err.println("wbgov drain: no device or mount point '" + target + "' (a block device such as loop0 "
                    + "or /dev/loop0, a bdi such as 7:0, or where one is mounted)");
            return 2;
        }
        PrintStream out = System.err;
        Path control = StateDir.controlSocket(StateDir.resolve(stateDir));
        Lease lease = Lease.take(control, dev.bdi());
        out.println("wbgov drain: " + dev.label() + (dev.mountPoints().isEmpty() ? "" : " on " + String.join(", ",
                dev.mountPoints())) + ": " + lease.note());
        Thread release = new Thread(lease::release, "wbgov-drain-release");
        Runtime.getRuntime().addShutdownHook(release);
        try (BdiSampler sampler = BdiSampler.open(new DeviceTable(List.of(dev)), false)) {
            Syncs syncs = Syncs.start(dev);
            return watch(dev, sampler, syncs, lease, timeoutNs, out);
        } finally {
            lease.release();
            try {
                Runtime.getRuntime().removeShutdownHook(release);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs release itself
            }
        }
    }

    private static int watch(DeviceInfo dev, BdiSampler sampler, Syncs syncs, Lease lease, long timeoutNs,
            PrintStream out) throws InterruptedException {
        boolean tty = System.console() != null;
        RateEstimator completion = RateEstimator.builder().build();
        RateEstimator dirtying = RateEstimator.builder().build();
        BdiSample s = new BdiSample();
        long start = System.nanoTime();
        long nextRenew = start + RENEW_NS;
        long nextLine = start;
        long nextRound = start + RENEW_NS;
        long firstHeld = -1;
        long slack = counterSlackBytes();
        while (true) {
            long now = System.nanoTime();
            sampler.sample(0, now, s);
            long held = s.dirtyBytes < 0 && s.writebackBytes < 0 ? -1
                    : Math.max(0, s.dirtyBytes) + Math.max(0, s.writebackBytes);
            long written = s.writtenBytes >= 0 ? s.writtenBytes : s.blockWrittenBytes;
            if (written >= 0) {
                completion.update(now, written, Math.max(0, held), s.writebackBytes >= 0 ? s.writebackBytes : held);
            }
            if (s.dirtiedBytes >= 0) {
                dirtying.update(now, s.dirtiedBytes, Math.max(0, held));
            }
            if (firstHeld < 0 && held >= 0) {
                firstHeld = held;
            }
            boolean synced = syncs.done();
            if (synced && held > slack && now - nextRound >= 0) {
                syncs.again(); // written to meanwhile, or left dirty by the last round: once more
                nextRound = now + RENEW_NS;
                synced = false;
            }
            // Held -1: no per-device count (no debugfs): the syncs are the proof. A count within the
            // counters' slack after a completed round is nothing: sync(2)'s own guarantee covers
            // what was dirty when the round began.
            if (synced && held <= slack) {
                String err = syncs.error();
                if (tty) {
                    out.print("\r\033[K");
                }
                if (err != null) {
                    out.println("wbgov drain: " + dev.label() + ": " + err);
                    return 1;
                }
                out.printf(Locale.ROOT, "wbgov drain: %s holds nothing after %.2f s: safe to unmount or unplug%n",
                        dev.label(), (now - start) / 1e9);
                return 0;
            }
            if (now - start >= timeoutNs) {
                if (tty) {
                    out.print("\r\033[K");
                }
                double d = dirtying.rateBytesPerSec();
                out.printf(Locale.ROOT, "wbgov drain: %s still holds %s after %s%s%n", dev.label(),
                        held < 0 ? "data (unknown amount)" : Units.formatBytes(held), Units.formatDurationNs(timeoutNs),
                        d > 0 && s.dirtiedBytes >= 0 ? ": it is still being written to (" + Units.formatBytes((long) d)
                                + "/s)" : "");
                return 1;
            }
            if (now - nextRenew >= 0) {
                lease.renew();
                nextRenew = now + RENEW_NS;
            }
            if (tty || now - nextLine >= 0) {
                String line = progress(held, firstHeld, completion.rateBytesPerSec(), synced);
                if (tty) {
                    out.print("\r\033[K" + line);
                    out.flush();
                } else {
                    out.println(line);
                    nextLine = now + 2_000_000_000L;
                }
            }
            Thread.sleep(POLL_NS / 1_000_000);
        }
    }

    /**
     * How far the kernel's per-bdi counts may be from the truth. debugfs reads them with
     * {@code percpu_counter_read_positive}: each CPU may hold up to {@code WB_STAT_BATCH = 8 ·
     * (1 + ilog2(nr_cpu_ids))} pages not yet folded in (mm/backing-dev.c). On 2 CPUs that is
     * 32 pages, 128 KiB: a synced device read 12 KiB "dirty" for minutes in the bench.
     */
    static long counterSlackBytes() {
        int cpus = possibleCpus();
        int log2 = 31 - Integer.numberOfLeadingZeros(Math.max(1, cpus));
        return (long) cpus * 8 * (1 + log2) * wbgov.governor.sample.SystemSampler.pageSize(Path.of("/proc"));
    }

    /** nr_cpu_ids: the count of /sys/devices/system/cpu/possible ("0-1" → 2); the online count if unreadable. */
    static int possibleCpus() {
        try {
            String s = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
            int n = 0;
            for (String part : s.split(",")) {
                String[] r = part.split("-");
                n += r.length == 2 ? Integer.parseInt(r[1]) - Integer.parseInt(r[0]) + 1 : 1;
            }
            return Math.max(1, n);
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** "[#######-------]  3.2M left of 8M, 1M/s, ETA 3.2s". */
    static String progress(long held, long firstHeld, double rate, boolean synced) {
        if (held < 0) {
            return "syncing (no per-device count without debugfs) …";
        }
        int width = 24;
        double doneShare = firstHeld > 0 ? Math.max(0, Math.min(1, 1.0 - (double) held / firstHeld)) : 1;
        int filled = (int) Math.round(doneShare * width);
        StringBuilder b = new StringBuilder("[");
        b.append("#".repeat(filled)).append("-".repeat(width - filled)).append("] ");
        b.append(Units.formatBytes(held)).append(" left");
        if (rate > 0) {
            b.append(", ").append(Units.formatBytes((long) rate)).append("/s, ETA ")
                    .append(String.format(Locale.ROOT, "%.1fs", held / rate));
        }
        if (synced) {
            b.append(" (synced; data written meanwhile still going out)");
        }
        return b.toString();
    }

    /** The device {@code target} names: a bdi, a kernel name, a /dev path (symlinks followed) or a mount point. */
    static DeviceInfo resolve(DeviceTable table, String target) {
        DeviceInfo d = table.byBdi(target);
        if (d != null) {
            return d;
        }
        String name = target.startsWith("/dev/") ? devName(target) : target;
        d = table.byBlockDevice(name);
        if (d != null) {
            return d;
        }
        Path p;
        try {
            p = Path.of(target).toRealPath();
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return null;
        }
        for (DeviceInfo i : table.devices()) {
            for (String m : i.mountPoints()) {
                if (Path.of(m).equals(p)) {
                    return i;
                }
            }
        }
        return null;
    }

    private static String devName(String devPath) {
        try {
            return Path.of(devPath).toRealPath().getFileName().toString();
        } catch (IOException e) {
            return Path.of(devPath).getFileName().toString();
        }
    }

    /** The daemon's hold on the device, through its control socket; none without a daemon. */
    static final class Lease {
        private final Path socket;
        private final String bdi;
        private final String note;
        private volatile boolean held;

        private Lease(Path socket, String bdi, boolean held, String note) {
            this.socket = socket;
            this.bdi = bdi;
            this.held = held;
            this.note = note;
        }

        static Lease take(Path socket, String bdi) {
            if (!Files.exists(socket)) {
                return new Lease(socket, bdi, false, "no wbgov daemon running: syncing and watching only; new writes "
                        + "to it are not held back");
            }
            try {
                String r = ControlClient.send(socket, "drain " + bdi + " " + LEASE_NS / 1_000_000).trim();
                if (r.equals("ok")) {
                    return new Lease(socket, bdi, true, "the daemon holds its new writers back (allowance at its floor)");
                }
                return new Lease(socket, bdi, false, "the daemon cannot hold it (" + r.replaceFirst("^error: ", "")
                        + "): syncing and watching only");
            } catch (IOException e) {
                return new Lease(socket, bdi, false, "the daemon does not answer on " + socket + " (" + e.getMessage()
                        + "): syncing and watching only; new writes to it are not held back");
            }
        }

        String note() {
            return note;
        }

        void renew() {
            if (held) {
                try {
                    ControlClient.send(socket, "drain " + bdi + " " + LEASE_NS / 1_000_000);
                } catch (IOException e) {
                    // the daemon went away: its restore put the knobs back; nothing to renew
                }
            }
        }

        /** Hands the device back to the law; idempotent. */
        void release() {
            if (held) {
                held = false;
                try {
                    ControlClient.send(socket, "release " + bdi);
                } catch (IOException e) {
                    // the lease lapses on its own within LEASE_NS
                }
            }
        }
    }

    /**
     * Sync rounds, one at a time on their own thread: syncfs(2) of each file system of the device,
     * then fdatasync(2) of its block device node. The second is needed: syncfs commits a journaling
     * file system's journal, but the metadata blocks it then checkpoints stay dirty in the block
     * device's own page cache (ext4 left 12 KiB there for minutes in the bench), and those are
     * this device's dirty pages too.
     */
    static final class Syncs {
        private final List<String> mounts;
        private final String node;
        private volatile boolean running;
        private volatile int rounds;
        private final List<String> errors = new ArrayList<>();

        private Syncs(DeviceInfo dev) {
            this.mounts = List.copyOf(dev.mountPoints());
            this.node = dev.blockDevice() != null ? "/dev/" + dev.blockDevice() : null;
        }

        static Syncs start(DeviceInfo dev) {
            Syncs s = new Syncs(dev);
            s.again();
            return s;
        }

        /** Starts another round unless one runs. */
        synchronized void again() {
            if (running) {
                return;
            }
            running = true;
            Thread th = new Thread(this::round, "wbgov-drain-sync");
            th.setDaemon(true);
            th.start();
        }

        private void round() {
            try {
                for (String m : mounts) {
                    sync(m, false);
                }
                if (node != null) {
                    sync(node, true);
                }
            } finally {
                rounds++;
                running = false;
            }
        }

        private void sync(String target, boolean isNode) {
            try {
                int fd = LinuxCalls.open(target, true);
                try {
                    int err = isNode ? LinuxCalls.fdatasync(fd) : LinuxCalls.syncfs(fd);
                    if (err != 0) {
                        fail((isNode ? "fdatasync " : "syncfs ") + target + ": errno " + err);
                    }
                } finally {
                    LinuxCalls.close(fd);
                }
            } catch (LinuxException e) {
                fail("open " + target + ": " + e.getMessage());
            }
        }

        private synchronized void fail(String why) {
            if (!errors.contains(why)) {
                errors.add(why);
            }
        }

        /** A round has completed and none runs now. */
        boolean done() {
            return rounds > 0 && !running;
        }

        synchronized String error() {
            return errors.isEmpty() ? null : String.join("; ", errors);
        }
    }
}
