package wbgov.governor.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Supplier;
import wbgov.governor.actuate.KnobState;
import wbgov.governor.sample.Sources;

/**
 * Builds a {@link GovernorSnapshot} from the duty cycle's published state, on the reader's
 * thread. Never takes a lock the tick holds; allocates freely (runs on request only). The one
 * thing read from the kernel here rather than from the tick: the knob values of devices wbgov
 * does not govern (the kernel's own, which the tick never reads).
 */
final class SnapshotReader {
    private SnapshotReader() {
    }

    /** Optimistic reads before falling back to a read that waits out the tick (~1 s of retries). */
    private static final int OPTIMISTIC_TRIES = 1000;

    /**
     * {@code read} as of one whole tick: an optimistic read of {@code published} that is retried
     * when a tick ran during it (a tick lasts ms; the retry sleeps 1 ms). A read that throws while
     * a tick was writing (a device list swapped underneath) is retried too. After
     * {@link #OPTIMISTIC_TRIES} the reader takes the read lock, so that one tick waits at most the
     * length of one read (never seen at the daemon's 100 ms interval; bounds a stuck reader).
     */
    static <T> T consistent(StampedLock published, Supplier<T> read) {
        for (int i = 0; i < OPTIMISTIC_TRIES; i++) {
            long stamp = published.tryOptimisticRead();
            if (stamp != 0) {
                try {
                    T s = read.get();
                    if (published.validate(stamp)) {
                        return s;
                    }
                } catch (RuntimeException e) {
                    if (published.validate(stamp)) {
                        throw e; // not a torn read: a real fault
                    }
                }
            }
            LockSupport.parkNanos(1_000_000);
        }
        long stamp = published.readLock();
        try {
            return read.get();
        } finally {
            published.unlockRead(stamp);
        }
    }

    static GovernorSnapshot read(Governor g, DeviceState[] st, List<ServedExport> served) {
        List<GovernorSnapshot.Device> devices = new ArrayList<>(st.length);
        java.util.Map<String, DeviceState> byBdi = new java.util.HashMap<>();
        for (DeviceState d : st) {
            byBdi.put(d.device.bdi(), d);
        }
        for (DeviceState d : st) {
            devices.add(device(g, d, byBdi));
        }
        List<GovernorSnapshot.Export> exports = new ArrayList<>(served.size());
        for (ServedExport e : served) {
            exports.add(new GovernorSnapshot.Export(e.export.name(), e.limitBytes, e.limitRequests,
                    e.export.inflightLimit().requests(), e.rateBytesPerSec, e.export.stats()));
        }
        return new GovernorSnapshot(System.currentTimeMillis(), Version.get(), g.uptimeSeconds(), g.ticks(),
                g.dryRun(), g.debugfs(), g.globalSnapshot(), devices, exports);
    }

    /**
     * The time to drain (to safe eject): what it holds and what the devices under it hold (a loop
     * device over a FUSE file: both must reach the server), over the lower of its completion
     * rate while holding data ({@link DeviceState#throughput}: gaps and request-sized bursts
     * included, what a drain sees) and the law's rate; the upper end with that rate two standard
     * errors lower.
     */
    static GovernorSnapshot.Device device(Governor g, DeviceState d, java.util.Map<String, DeviceState> byBdi) {
        boolean governed = d.governed();
        Long dirty = d.dirtyBytes < 0 ? null : d.dirtyBytes;
        Long writeback = d.writebackBytes < 0 ? null : d.writebackBytes;
        long held = Math.max(0, d.dirtyBytes) + Math.max(0, d.writebackBytes);
        long heldBelow = held;
        for (String b : d.device.chain()) {
            DeviceState c = byBdi.get(b);
            if (c != null) {
                heldBelow += Math.max(0, c.dirtyBytes) + Math.max(0, c.writebackBytes);
            }
        }
        boolean measured = governed && d.measured;
        Double rate = measured ? d.completionBytesPerSec : null;
        // The lower of the two rates: the throughput while holding data (right for a bursty
        // device, whose law estimate reads its bursts) lags a slowdown by its 5 s τ, which the
        // law's 0.5 s estimate follows at once. A time to safe eject errs long, never short.
        boolean useThroughput = d.throughputMeasured && (!measured || d.throughputBytesPerSec < d.completionBytesPerSec);
        double r = useThroughput ? d.throughputBytesPerSec : measured ? d.completionBytesPerSec : 0;
        double se = useThroughput ? d.throughputStdErrBytesPerSec : d.completionStdErrBytesPerSec;
        Double drain;
        Double upper;
        if (heldBelow == 0) {
            drain = 0.0;
            upper = 0.0;
        } else if ((governed && d.stalled) || r <= 0) {
            drain = null;
            upper = null;
        } else {
            drain = heldBelow / r;
            double low = r - 2 * se;
            upper = low > 0 ? heldBelow / low : null;
        }
        Double target = governed ? d.match.policy().drainTargetNs() / 1e9 : null;
        boolean over = governed && held > 0 && (drain == null ? d.stalled : drain > target);
        KnobState kept = d.kept;
        Long kernelMax;
        Boolean strict;
        if (kept != null) {
            kernelMax = kept.maxBytes() >= 0 ? kept.maxBytes() : null;
            strict = kept.strict();
        } else {
            kernelMax = readLong(g.roots().sys().resolve("class/bdi").resolve(d.device.bdi()).resolve("max_bytes"));
            Long s = readLong(g.roots().sys().resolve("class/bdi").resolve(d.device.bdi()).resolve("strict_limit"));
            strict = s == null ? null : s != 0;
        }
        return new GovernorSnapshot.Device(d.device.bdi(), d.device.label(), d.device.blockDevice(),
                d.device.kind().name().toLowerCase(Locale.ROOT), d.device.mountPoints(), !d.unattached,
                d.match.matched() ? d.match.policy().name() : null, governed, dirty, writeback,
                d.dirtyingBytesPerSec, rate, drain, upper, governed && d.stalled, d.noProgressNs / 1e9, target, over,
                governed ? d.targetBytes : null, kernelMax, strict, governed ? d.lawState : null,
                d.rememberedSeenEpochSeconds > 0 ? d.rememberedSeenEpochSeconds : null, d.knobWrites, d.knobErrors,
                Sources.names(d.sources));
    }

    /** A sysfs number, null when the file is missing or unreadable (a kernel without the knob). */
    private static Long readLong(Path p) {
        try {
            return Long.parseLong(Files.readString(p, StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
