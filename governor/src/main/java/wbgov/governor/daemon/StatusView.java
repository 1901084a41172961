package wbgov.governor.daemon;

import static wbgov.governor.daemon.Governor.bytes;

import java.util.List;
import java.util.Locale;
import wbgov.governor.sample.Sources;

/**
 * What {@code wbgov status} shows: the governor's per-device table, as text for people and as
 * JSON for scripts. Read from the status socket's thread: every value is a volatile snapshot of
 * the duty cycle's state, never a lock on it. Allocates; runs on request only.
 */
final class StatusView {
    private StatusView() {
    }

    static String json(Governor g, DeviceState[] st, List<ServedExport> served) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"ticks\":").append(g.ticks()).append(",\"dry_run\":").append(g.dryRun())
                .append(",\"debugfs\":").append(g.debugfs())
                .append(",\"global_dirty_writeback_bytes\":").append(g.globalHeldBytes())
                .append(",\"global_dirty_thresh_bytes\":").append(g.globalThreshBytes())
                .append(",\"devices\":[");
        for (int i = 0; i < st.length; i++) {
            DeviceState d = st[i];
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"bdi\":\"").append(d.device.bdi()).append("\",\"device\":\"").append(esc(d.device.label()))
                    .append("\",\"kind\":\"").append(d.device.kind().name().toLowerCase(Locale.ROOT))
                    .append("\",\"policy\":").append(d.match.matched() ? "\"" + esc(d.match.policy().name()) + "\"" : "null")
                    .append(",\"governed\":").append(d.governed())
                    .append(",\"dirtying_bytes_per_s\":").append((long) d.dirtyingBytesPerSec)
                    .append(",\"completion_bytes_per_s\":").append((long) d.completionBytesPerSec)
                    .append(",\"dirty_bytes\":").append(d.dirtyBytes)
                    .append(",\"writeback_bytes\":").append(d.writebackBytes)
                    .append(",\"drain_s\":").append(Double.isInfinite(d.drainSeconds()) ? "null" // stalled
                            : String.format(Locale.ROOT, "%.3f", d.drainSeconds()))
                    .append(",\"allowance_bytes\":").append(d.targetBytes)
                    .append(",\"kernel_max_bytes\":").append(d.kept == null ? -1 : d.kept.maxBytes())
                    .append(",\"strict\":").append(d.kept != null && d.kept.strict())
                    .append(",\"state\":").append(d.lawState == null ? "null" : "\"" + d.lawState + "\"")
                    .append(",\"met_before_epoch_s\":").append(d.rememberedSeenEpochSeconds > 0
                            ? Long.toString(d.rememberedSeenEpochSeconds) : "null")
                    .append(",\"knob_writes\":").append(d.knobWrites)
                    .append(",\"knob_errors\":").append(d.knobErrors)
                    .append(",\"sources\":\"").append(Sources.describe(d.sources)).append("\"}");
        }
        sb.append("],\"exports\":[");
        for (int i = 0; i < served.size(); i++) {
            ServedExport e = served.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"name\":\"").append(esc(e.export.name())).append("\",\"inflight_limit_bytes\":")
                    .append(e.limitBytes).append(",\"inflight_limit_requests\":").append(e.limitRequests)
                    .append(",\"completion_bytes_per_s\":").append((long) e.rateBytesPerSec)
                    .append(",\"inflight_requests\":").append(e.export.inflightLimit().requests()).append('}');
        }
        return sb.append("]}\n").toString();
    }

    static String text(Governor g, DeviceState[] st, List<ServedExport> served) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "wbgov: %d ticks%s, debugfs %s, global dirty+writeback %s of %s%n",
                g.ticks(), g.dryRun() ? " (dry run: knobs untouched)" : "", g.debugfs() ? "yes" : "NO (inferred sources)",
                bytes(g.globalHeldBytes()), bytes(g.globalThreshBytes())));
        sb.append(String.format(Locale.ROOT, "%-22s %-12s %10s %10s %10s %10s %8s %10s %-6s %s%n", "DEVICE", "POLICY",
                "DIRTYING/s", "DONE/s", "DIRTY", "WRITEBACK", "DRAIN", "ALLOWANCE", "STRICT", "SOURCES"));
        for (DeviceState d : st) {
            double drain = d.drainSeconds();
            sb.append(String.format(Locale.ROOT, "%-22s %-12s %10s %10s %10s %10s %8s %10s %-6s %s%n",
                    trim(d.device.label(), 22), d.match.matched() ? trim(d.match.policy().name(), 12) : "-",
                    bytes((long) d.dirtyingBytesPerSec), bytes((long) d.completionBytesPerSec),
                    bytes(d.dirtyBytes), bytes(d.writebackBytes),
                    Double.isInfinite(drain) ? "stalled" : String.format(Locale.ROOT, "%.1fs", drain),
                    d.governed() ? bytes(d.targetBytes) : "kernel",
                    d.kept != null && d.kept.strict() ? "yes" : "no", Sources.describe(d.sources)));
        }
        for (DeviceState d : st) {
            if (d.rememberedSeenEpochSeconds > 0) {
                sb.append(String.format(Locale.ROOT, "%s: met before (last seen %s): started at its remembered rate%n",
                        d.device.label(), java.time.Instant.ofEpochSecond(d.rememberedSeenEpochSeconds)));
            }
        }
        for (ServedExport e : served) {
            sb.append(String.format(Locale.ROOT, "export '%s': in-flight limit %s / %d requests, completing %s/s, in flight %d%n",
                    e.export.name(), bytes(e.limitBytes), e.limitRequests, bytes((long) e.rateBytesPerSec),
                    e.export.inflightLimit().requests()));
        }
        return sb.toString();
    }

    private static String trim(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    /** A JSON string's body: quote, backslash and every control character escaped (RFC 8259). */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
