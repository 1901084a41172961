package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.daemon.Snapshots.MIB;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.nbd.testing.Peers;

class StatusJsonTest {
    /** A tab, quotes, a backslash, a newline, NUL, an escape, emoji, and a lone surrogate. */
    private static final String HOSTILE = "tab\there \"quoted\" back\\slash\nnewline\0nul\033[2J emoji 😀 lone \uD800.";

    @TempDir
    Path tmp;

    private static GovernorSnapshot snapshot() {
        return Snapshots.of(11_520.5, List.of(
                Snapshots.governed("sdb", "8:16", HOSTILE, 1.0 * MIB, 3 * MIB, 3.0, 4.0, 2.0, 2 * MIB),
                Snapshots.governed("sdc", "8:32", "fresh", null, 3 * MIB, null, null, 2.0, 64 * MIB),
                Snapshots.ungoverned("vda", "254:0", 4096L * MIB)));
    }

    /** Every scalar of the document by its path ("devices.0.policy"), as text; null as null. */
    private static Map<String, String> flatten(String json) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json.getBytes(StandardCharsets.UTF_8))) {
            flatten(p, p.nextToken(), "", out);
            assertEquals(null, p.nextToken(), "one document");
        }
        return out;
    }

    private static void flatten(JsonParser p, JsonToken t, String path, Map<String, String> out) throws Exception {
        if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                flatten(p, p.nextToken(), path.isEmpty() ? name : path + "." + name, out);
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                flatten(p, e, path + "." + i++, out);
            }
            out.put(path + ".length", Integer.toString(i));
        } else {
            out.put(path, t == JsonToken.VALUE_NULL ? null : p.getText());
        }
    }

    @Test
    void schemaNullsForUnknownAndHostileNamesIntact() throws Exception {
        String json = StatusJson.write(snapshot(), snapshot().devices());
        assertTrue(json.endsWith("}\n") && json.indexOf('\n') == json.length() - 1, "one line: " + json);
        Map<String, String> f = flatten(json);
        assertTrue(f.get("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), f.get("time"));
        assertEquals("2026-11-18T11:06:40.123Z", f.get("time"));
        assertEquals("0.1.0-test", f.get("version"));
        assertEquals("11520.5", f.get("uptime_seconds"));
        assertEquals("false", f.get("dry_run"));
        assertEquals(Long.toString(1023 * MIB + MIB / 2), f.get("global.dirty_bytes"));
        assertEquals("100.0", f.get("global.pressure.io_some_avg10_percent"));
        assertEquals("1.5", f.get("global.pressure.io_some_seconds"));
        assertEquals("0", f.get("global.failed_ticks"));

        // the hostile name, every character but the lone surrogate as it was
        assertEquals(HOSTILE.replace('\uD800', '\uFFFD'), f.get("devices.0.policy"));
        assertEquals("sdb", f.get("devices.0.block_device"));
        assertEquals("disk", f.get("devices.0.class"));
        assertEquals("/media/sdb", f.get("devices.0.mount_points.0"));
        assertEquals("1", f.get("devices.0.sources.length"));
        assertEquals(Long.toString(3 * MIB), f.get("devices.0.held_bytes"));
        assertEquals("3.0", f.get("devices.0.drain_seconds"));
        assertEquals("4.0", f.get("devices.0.drain_seconds_upper"));
        assertEquals("2.0", f.get("devices.0.drain_target_seconds"));
        assertEquals("true", f.get("devices.0.over_target"));
        assertEquals("true", f.get("devices.0.strict"));
        assertEquals("tracking", f.get("devices.0.state"));

        // not measured yet: rate and drain null, never 0 or -1
        for (String k : List.of("completion_bytes_per_second", "drain_seconds", "drain_seconds_upper", "met_before")) {
            assertTrue(f.containsKey("devices.1." + k) && f.get("devices.1." + k) == null, k + " not null: " + json);
        }
        // not governed: no policy, allowance, target or state; the kernel's own max_bytes
        for (String k : List.of("policy", "allowance_bytes", "drain_target_seconds", "state")) {
            assertTrue(f.containsKey("devices.2." + k) && f.get("devices.2." + k) == null, k + " not null: " + json);
        }
        assertEquals(Long.toString(4096 * MIB), f.get("devices.2.kernel_max_bytes"));
        assertEquals("0", f.get("exports.length"));
        assertFalse(json.matches(".*:-1[,}].*"), "no -1 for unknown: " + json);
    }

    @Test
    void metBeforeIsRfc3339AndUnknownGlobalsNull() throws Exception {
        GovernorSnapshot.Device d = Snapshots.ungoverned("vda", "254:0", null);
        d = new GovernorSnapshot.Device(d.bdi(), d.device(), d.blockDevice(), d.kind(), d.mountPoints(), true, null,
                false, null, null, 0, null, null, null, false, 0, null, false, null, null, null, null, 1_795_000_000L,
                0, 0, List.of());
        GovernorSnapshot s = Snapshots.of(1, List.of(d));
        GovernorSnapshot.Global g = s.global();
        s = new GovernorSnapshot(s.timeEpochMillis(), s.version(), 1, 10, true, false, new GovernorSnapshot.Global(
                null, null, null, null, null, 0, 1, 2, g.tickSeconds()), s.devices(), s.exports());
        Map<String, String> f = flatten(StatusJson.write(s, List.of(d)));
        assertTrue(f.containsKey("global.pressure") && f.get("global.pressure") == null, "no PSI: null");
        assertTrue(f.containsKey("global.dirty_bytes") && f.get("global.dirty_bytes") == null);
        assertEquals("1", f.get("global.reloads_failed"));
        assertEquals("2026-11-18T11:06:40.000Z", f.get("devices.0.met_before"));
        assertTrue(f.containsKey("devices.0.dirty_bytes") && f.get("devices.0.dirty_bytes") == null);
        assertTrue(f.containsKey("devices.0.held_bytes") && f.get("devices.0.held_bytes") == null);
        assertTrue(f.containsKey("devices.0.strict") && f.get("devices.0.strict") == null);
    }

    /** jq, as scripts read it: the document valid, the hostile name read back exactly. */
    @Test
    void jqReadsItAndTheNameBack() throws Exception {
        Path jq = Peers.requireTool("jq", "jq");
        Path doc = tmp.resolve("status.json");
        Files.writeString(doc, StatusJson.write(snapshot(), snapshot().devices()), StandardCharsets.UTF_8);
        Peers.run(30, jq.toString(), "-e", ".", doc.toString()).assertOk("jq -e .");
        Path name = tmp.resolve("name"); // a file: an argument cannot hold the NUL
        Files.writeString(name, HOSTILE.replace('\uD800', '\uFFFD'), StandardCharsets.UTF_8);
        Peers.Result r = Peers.run(30, jq.toString(), "-e", "--rawfile", "n", name.toString(),
                "[.devices[] | select(.policy == $n)] | length == 1", doc.toString());
        assertEquals(0, r.exit(), "jq did not find the policy by its exact name:\n" + r.output());
    }
}
