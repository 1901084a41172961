package wbgov.governor.daemon;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * {@code wbgov status --json}: a {@link GovernorSnapshot} as one JSON document on one line (so
 * that {@code --watch --json} is one document per line), written field by field through
 * jackson-core's streaming generator, which escapes every string (a policy named with a tab, a
 * quote or a newline, a mount point in any script). Strings are made valid Unicode first: a lone
 * surrogate (a name decoded from bytes that were not UTF-8) becomes U+FFFD rather than an
 * unreadable document. Names are snake_case with their base unit (bytes, seconds); unknown is
 * {@code null}, never -1 or 0. The schema, field by field, is in README.md ("status --json").
 */
public final class StatusJson {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    /** RFC 3339, UTC, milliseconds: "2026-11-27T03:15:04.123Z". */
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private StatusJson() {
    }

    /** The snapshot with these devices (already filtered by the request) as one line, newline-terminated. */
    public static String write(GovernorSnapshot s, List<GovernorSnapshot.Device> devices) {
        StringWriter out = new StringWriter(1024 + 1024 * devices.size());
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            string(g, "time", rfc3339(s.timeEpochMillis()));
            string(g, "version", s.version());
            number(g, "uptime_seconds", s.uptimeSeconds());
            g.writeNumberField("ticks", s.ticks());
            g.writeBooleanField("dry_run", s.dryRun());
            g.writeBooleanField("debugfs", s.debugfs());
            global(g, s.global());
            g.writeArrayFieldStart("devices");
            for (GovernorSnapshot.Device d : devices) {
                device(g, d);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("exports");
            for (GovernorSnapshot.Export e : s.exports()) {
                g.writeStartObject();
                string(g, "name", e.name());
                g.writeNumberField("inflight_limit_bytes", e.inflightLimitBytes());
                g.writeNumberField("inflight_limit_requests", e.inflightLimitRequests());
                g.writeNumberField("inflight_requests", e.inflightRequests());
                number(g, "completion_bytes_per_second", e.completionBytesPerSec());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.append('\n').toString();
    }

    private static void global(JsonGenerator g, GovernorSnapshot.Global gl) throws IOException {
        g.writeObjectFieldStart("global");
        number(g, "dirty_bytes", gl.dirtyBytes());
        number(g, "writeback_bytes", gl.writebackBytes());
        number(g, "dirty_thresh_bytes", gl.dirtyThreshBytes());
        number(g, "background_thresh_bytes", gl.backgroundThreshBytes());
        GovernorSnapshot.Pressure p = gl.pressure();
        if (p == null) {
            g.writeNullField("pressure");
        } else {
            g.writeObjectFieldStart("pressure");
            number(g, "io_some_avg10_percent", p.ioSomeAvg10Percent());
            number(g, "io_full_avg10_percent", p.ioFullAvg10Percent());
            number(g, "memory_some_avg10_percent", p.memorySomeAvg10Percent());
            number(g, "memory_full_avg10_percent", p.memoryFullAvg10Percent());
            number(g, "io_some_seconds", p.ioSomeSeconds());
            number(g, "io_full_seconds", p.ioFullSeconds());
            number(g, "memory_some_seconds", p.memorySomeSeconds());
            number(g, "memory_full_seconds", p.memoryFullSeconds());
            g.writeEndObject();
        }
        g.writeNumberField("reloads_ok", gl.reloadsOk());
        g.writeNumberField("reloads_failed", gl.reloadsFailed());
        g.writeNumberField("failed_ticks", gl.failedTicks());
        g.writeEndObject();
    }

    private static void device(JsonGenerator g, GovernorSnapshot.Device d) throws IOException {
        g.writeStartObject();
        string(g, "bdi", d.bdi());
        string(g, "device", d.device());
        string(g, "block_device", d.blockDevice());
        string(g, "class", d.kind());
        strings(g, "mount_points", d.mountPoints());
        g.writeBooleanField("attached", d.attached());
        string(g, "policy", d.policy());
        g.writeBooleanField("governed", d.governed());
        number(g, "dirty_bytes", d.dirtyBytes());
        number(g, "writeback_bytes", d.writebackBytes());
        number(g, "held_bytes", d.heldBytes());
        number(g, "dirtying_bytes_per_second", d.dirtyingBytesPerSec());
        number(g, "completion_bytes_per_second", d.completionBytesPerSec());
        number(g, "drain_seconds", d.drainSeconds());
        number(g, "drain_seconds_upper", d.drainSecondsUpper());
        number(g, "drain_target_seconds", d.drainTargetSeconds());
        g.writeBooleanField("over_target", d.overTarget());
        g.writeBooleanField("stalled", d.stalled());
        number(g, "no_progress_seconds", d.noProgressSeconds());
        number(g, "allowance_bytes", d.allowanceBytes());
        number(g, "kernel_max_bytes", d.kernelMaxBytes());
        if (d.strict() == null) {
            g.writeNullField("strict");
        } else {
            g.writeBooleanField("strict", d.strict());
        }
        string(g, "state", d.state());
        string(g, "met_before", d.metBeforeEpochSeconds() == null ? null : rfc3339(d.metBeforeEpochSeconds() * 1000));
        g.writeNumberField("knob_writes", d.knobWrites());
        g.writeNumberField("knob_errors", d.knobErrors());
        strings(g, "sources", d.sources());
        g.writeEndObject();
    }

    /** RFC 3339 in UTC with milliseconds. */
    static String rfc3339(long epochMillis) {
        return RFC3339.format(Instant.ofEpochMilli(epochMillis));
    }

    private static void string(JsonGenerator g, String name, String value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, validUnicode(value));
        }
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(validUnicode(v));
        }
        g.writeEndArray();
    }

    /** A number, or null when unknown; never NaN or an infinity (JSON has neither). */
    private static void number(JsonGenerator g, String name, Number value) throws IOException {
        if (value == null || (value instanceof Double v && !Double.isFinite(v))) {
            g.writeNullField(name);
        } else if (value instanceof Double v) {
            g.writeNumberField(name, v);
        } else {
            g.writeNumberField(name, value.longValue());
        }
    }

    /** {@code s} with every lone surrogate replaced by U+FFFD, so that it encodes as UTF-8. */
    static String validUnicode(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                if (b != null) {
                    b.append(c).append(s.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (b == null) {
                    b = new StringBuilder(s.length()).append(s, 0, i);
                }
                b.append('\uFFFD');
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
