package wbgov.governor.daemon;

import static wbgov.governor.daemon.Governor.bytes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.governor.control.InflightController;
import wbgov.governor.control.InflightDecision;
import wbgov.governor.discover.DeviceKind;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicySet;
import wbgov.nbd.Export;
import wbgov.nbd.filter.InflightLimit;
import wbgov.nbd.stats.ExportStats;

/**
 * One export of the bundled server whose in-flight limit the governor sets: the enforcement
 * around the pure {@link InflightController} (Little's law), as {@link DeviceState} and
 * {@link wbgov.governor.control.DeviceLaw} are for a bdi. Each tick reads the export's counters,
 * asks the law, and sets {@link InflightLimit} when the decision changed. Fields the status
 * server reads are volatile snapshots.
 */
final class ServedExport {
    private static final Logger LOG = LoggerFactory.getLogger(ServedExport.class);

    final Export export;
    private final InflightController controller;
    volatile long limitBytes;
    volatile int limitRequests;
    volatile double rateBytesPerSec;

    private ServedExport(Export export, InflightController controller) {
        this.export = export;
        this.controller = controller;
        this.limitBytes = export.inflightLimit().limitBytes();
        this.limitRequests = export.inflightLimit().limitRequests();
    }

    /**
     * The law for {@code export}, with the latency target of the policy that governs NBD devices:
     * of the policies whose {@code kind} includes nbd, the one of highest precedence (the set is
     * kept in precedence order), whatever its name. Without one, {@link InflightController}'s
     * default (the policy default of inflight_latency).
     */
    static ServedExport of(Export export, PolicySet policies) {
        InflightController.Builder b = InflightController.builder();
        for (Policy p : policies.policies()) {
            if (p.kinds().contains(DeviceKind.NBD) && p.inflightLatencyNs() > 0) {
                b.latencyTargetNs(p.inflightLatencyNs());
                break;
            }
        }
        InflightLimit l = export.inflightLimit();
        InflightController c = b
                .maxRequestBytes(l.minimumBytes()).maxInflightBytes(l.capacityBytes())
                .maxRequests(Math.max(1, l.limitRequests()))
                .initial(Math.min(l.capacityBytes(), Math.max(l.minimumBytes(), 4L << 20)), Math.min(64, l.limitRequests()))
                .clientTimeoutNs(export.clientTimeoutNs())
                .build();
        if (export.clientTimeoutNs() > 0) {
            LOG.info("export '{}': clients time out after {} ms: in-flight limit from latency {} ms", export.name(),
                    export.clientTimeoutNs() / 1_000_000, c.effectiveLatencyNs() / 1_000_000);
        }
        return new ServedExport(export, c);
    }

    /** One tick: returns 1 when the limit changed (or would have, in a dry run), else 0. */
    int govern(long nowNs, boolean dryRun) {
        ExportStats st = export.stats();
        InflightLimit l = export.inflightLimit();
        InflightDecision d = controller.update(nowNs, st.bytesWritten.get() + st.bytesRead.get(),
                st.requestsCompleted.get(), l.bytes(), l.requests());
        rateBytesPerSec = d.rateBytesPerSec;
        if (!d.changed) {
            return 0;
        }
        if (dryRun) {
            LOG.info("export '{}': in-flight limit would be {} → {} bytes, {} → {} requests ({}) [dry run]",
                    export.name(), d.oldBytes, d.newBytes, d.oldRequests, d.newRequests, d.reason.text());
            limitBytes = d.newBytes;
            limitRequests = d.newRequests;
            return 1;
        }
        try {
            // Bytes first when shrinking requests would otherwise be checked against a stale pair:
            // both setters only refuse values below one request, which the law never produces.
            l.setLimitBytes(d.newBytes);
            l.setLimitRequests(d.newRequests);
        } catch (IllegalArgumentException ex) {
            LOG.warn("export '{}': in-flight limit refused: {}", export.name(), ex.getMessage());
            return 0;
        }
        limitBytes = l.limitBytes();
        limitRequests = l.limitRequests();
        LOG.info("export '{}': in-flight limit {} → {} bytes, {} → {} requests ({}; completing {}/s)",
                export.name(), d.oldBytes, d.newBytes, d.oldRequests, d.newRequests, d.reason.text(),
                bytes((long) d.rateBytesPerSec));
        return 1;
    }
}
