package wbgov.governor.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

    static GovernorSnapshot read(Governor g, DeviceState[] st, List<ServedExport> served) {
        List<GovernorSnapshot.Device> devices = new ArrayList<>(st.length);
        for (DeviceState d : st) {
            devices.add(device(g, d));
        }
        List<GovernorSnapshot.Export> exports = new ArrayList<>(served.size());
        for (ServedExport e : served) {
            exports.add(new GovernorSnapshot.Export(e.export.name(), e.limitBytes, e.limitRequests,
                    e.export.inflightLimit().requests(), e.rateBytesPerSec, e.export.stats()));
        }
        return new GovernorSnapshot(System.currentTimeMillis(), Version.get(), g.uptimeSeconds(), g.ticks(),
                g.dryRun(), g.debugfs(), g.globalSnapshot(), devices, exports);
    }

    static GovernorSnapshot.Device device(Governor g, DeviceState d) {
        boolean governed = d.governed();
        Long dirty = d.dirtyBytes < 0 ? null : d.dirtyBytes;
        Long writeback = d.writebackBytes < 0 ? null : d.writebackBytes;
        long held = Math.max(0, d.dirtyBytes) + Math.max(0, d.writebackBytes);
        boolean measured = governed && d.measured;
        double r = d.completionBytesPerSec;
        Double rate = measured ? r : null;
        Double drain;
        Double upper;
        if (held == 0) {
            drain = 0.0;
            upper = 0.0;
        } else if (!measured || d.stalled || r <= 0) {
            drain = null;
            upper = null;
        } else {
            drain = held / r;
            double low = r - 2 * d.completionStdErrBytesPerSec;
            upper = low > 0 ? held / low : null;
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
