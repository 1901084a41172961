package wbgov.governor.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import wbgov.governor.discover.DeviceKind;

/** The table-driven binder: defaults, and each type's errors, to the letter. */
class PolicyBinderTest {
    private static final String HEAD = "[policy]\nname = \"t\"\npriority = 5\n"; // lines 1-3

    private static Policy parse(String text) {
        PolicyParser.Result r = PolicyParser.parse("p.toml", text);
        assertEquals(List.of(), r.errors());
        return r.policy();
    }

    /** The one error of {@code text}, as printed. */
    private static String error(String text) {
        PolicyParser.Result r = PolicyParser.parse("p.toml", text);
        assertNull(r.policy());
        assertEquals(1, r.errors().size(), r.errors().toString());
        return r.errors().get(0).toString();
    }

    /** The one error of a [limits] section with {@code body} (from line 5). */
    private static String limits(String body) {
        return error(HEAD + "[limits]\n" + body);
    }

    /** The one error of a [match] section with {@code body} (from line 5). */
    private static String match(String body) {
        return error(HEAD + "[match]\n" + body);
    }

    @Test
    void aPolicyThatSetsNothingGetsTheTableDefaults() {
        Policy p = parse(HEAD);
        assertEquals("t", p.name());
        assertEquals(5, p.priority());
        assertEquals(0, p.matchKeyCount());
        assertEquals(List.of(), p.kinds());
        assertNull(p.removable());
        assertNull(p.rotational());
        assertEquals(true, p.govern());
        assertEquals(2_000_000_000L, p.drainTargetNs());
        assertEquals(2_000_000_000L, p.backlogTargetNs());
        assertEquals(1L << 20, p.floorBytes());
        assertEquals(256L << 20, p.ceilingBytes());
        assertEquals(1L << 20, p.initialBytes());
        assertEquals(false, p.strict());
        assertEquals(20_000_000L, p.inflightLatencyNs());
        // and the builder gets the same, from the same table
        Policy b = Policy.builder("t").priority(5).build();
        for (PolicyKey k : PolicyKey.values()) {
            assertEquals(p.value(k), b.value(k), k.tomlName());
        }
        assertEquals("drain_target 2s, floor 1M, ceiling 256M, not strict, inflight_latency 20ms", p.describeLimits());
    }

    @Test
    void derivedDefaultsFollowTheirKey() {
        Policy p = parse(HEAD + "[limits]\ndrain_target = \"3s\"\nfloor = \"8M\"\n");
        assertEquals(3_000_000_000L, p.backlogTargetNs());
        assertEquals(8L << 20, p.initialBytes());
    }

    @Test
    void stringErrors() {
        assertEquals("p.toml:2: name: expected a quoted string like \"nbd\", got 5", error("[policy]\nname = 5\npriority = 1\n"));
        assertEquals("p.toml:2: name must not be empty", error("[policy]\nname = \" \"\npriority = 1\n"));
    }

    @Test
    void intErrors() {
        assertEquals("p.toml:3: priority: expected an integer 0..1000, got \"5\"",
                error("[policy]\nname = \"t\"\npriority = \"5\"\n"));
        assertEquals("p.toml:3: priority must be in 0..1000, got 1001", error("[policy]\nname = \"t\"\npriority = 1001\n"));
        assertEquals("p.toml:3: priority must be in 0..1000, got 99999999999",
                error("[policy]\nname = \"t\"\npriority = 99_999_999_999\n"));
        assertEquals("p.toml:3: integer out of range: 99999999999999999999",
                error("[policy]\nname = \"t\"\npriority = 99999999999999999999\n"));
    }

    @Test
    void requiredKeys() {
        assertEquals("p.toml:1: missing key 'priority' in [policy] (an integer 0..1000; higher wins when several "
                + "policies match; ties: more match keys, then name order)", error("[policy]\nname = \"t\"\n"));
        assertEquals("p.toml:1: missing key 'name' in [policy] (a quoted string like \"nbd\"; the policy's name, "
                + "unique among the policies loaded)", error("[policy]\npriority = 1\n"));
        assertEquals("p.toml:1: missing [policy] section (with name and priority)", error("[match]\n"));
    }

    @Test
    void boolErrors() {
        assertEquals("p.toml:5: strict: expected true or false, got \"true\"", limits("strict = \"true\"\n"));
        assertEquals("p.toml:5: rotational: expected true or false, got [\"x\"]", match("rotational = [\"x\"]\n"));
    }

    @Test
    void sizeErrors() {
        assertEquals("p.toml:5: floor: size -1 must be ≥ 0", limits("floor = -1\n"));
        assertEquals("p.toml:5: ceiling: expected " + wbgov.nbd.units.Units.SIZE_FORM + ", got true",
                limits("ceiling = true\n"));
        assertEquals("p.toml:5: ceiling must be at least 1M, got 512K", limits("ceiling = 524288\n"));
        assertEquals("p.toml:5: initial must be at least 1M, got 4K", limits("initial = \"4K\"\n"));
        assertEquals("p.toml:5: floor must be at least 1M (below it even a slow device loses speed), got 512K",
                limits("floor = \"512K\"\n"));
    }

    @Test
    void durationErrors() {
        assertEquals("p.toml:5: drain_target: expected " + wbgov.nbd.units.Units.DURATION_FORM + ", quoted, got 2",
                limits("drain_target = 2\n"));
        assertEquals("p.toml:5: inflight_latency must be between 100us and 60s, got 50us",
                limits("inflight_latency = \"50us\"\n"));
        assertEquals("p.toml:5: backlog_target must be between 1ms and 1h, got 2h",
                limits("backlog_target = \"2h\"\n"));
        assertEquals("p.toml:5: drain_target must be between 10ms and 1h, got 5ms",
                limits("drain_target = \"5ms\"\n"));
    }

    @Test
    void listErrors() {
        assertEquals("p.toml:5: transport: expected a string or a list of strings like [\"usb\", \"sata\"], got true",
                match("transport = true\n"));
        assertEquals("p.toml:5: mount: expected a glob or a list of globs like [\"/media/*\"], got 3",
                match("mount = 3\n"));
        assertEquals("p.toml:5: model: empty list matches nothing; remove the key to match any",
                match("model = []\n"));
        assertEquals("p.toml:5: chain_kind: unknown kind \"ext4\"; known kinds: nbd, loop, fuse, network_fs, nvme, "
                + "disk, stacked, other", match("chain_kind = [\"fuse\", \"ext4\"]\n"));
    }

    @Test
    void everyMatchKeyBinds() {
        Policy p = parse(HEAD + "[match]\nkind = \"network_fs\"\ntransport = \"nfs\"\nremovable = true\n"
                + "rotational = false\nname = \"0:*\"\nmount = \"/home\"\nfstype = \"nfs*\"\nvendor = 'v'\n"
                + "model = [\"m1\", \"m2\"]\nchain_kind = [\"nbd\"]\n");
        assertEquals(List.of(DeviceKind.NETWORK_FS), p.kinds());
        assertEquals(List.of("nfs"), p.transports());
        assertEquals(Boolean.TRUE, p.removable());
        assertEquals(Boolean.FALSE, p.rotational());
        assertEquals(List.of("0:*"), p.names());
        assertEquals(List.of("/home"), p.mounts());
        assertEquals(List.of("nfs*"), p.fsTypes());
        assertEquals(List.of("v"), p.vendors());
        assertEquals(List.of("m1", "m2"), p.models());
        assertEquals(List.of(DeviceKind.NBD), p.chainKinds());
        assertEquals(PolicyKey.in(PolicyKey.Section.MATCH).size(), p.matchKeyCount());
    }

    @Test
    void conflictsNameTheLastLineOfTheirKeys() {
        assertEquals("p.toml:7: floor 64M is above ceiling 32M",
                limits("ceiling = \"32M\"\ninitial = \"8M\"\nfloor = \"64M\"\n"));
        assertEquals("p.toml:8: initial 512M is outside floor..ceiling 1M..256M",
                limits("\n\n\ninitial = \"512M\"\n"));
    }

    @Test
    void builderChecksTheSameTable() {
        assertEquals("name must not be empty", assertThrows(IllegalArgumentException.class,
                () -> Policy.builder(" ")).getMessage());
        assertEquals("name must be set", assertThrows(IllegalArgumentException.class,
                () -> Policy.builder(null)).getMessage());
        assertEquals("drain_target must be between 10ms and 1h, got 2h", assertThrows(IllegalArgumentException.class,
                () -> Policy.builder("x").drainTargetNs(7_200_000_000_000L)).getMessage());
        assertEquals("backlog_target 3s is above drain_target 2s: a backlogged device never holds more than the "
                + "drain target", assertThrows(IllegalArgumentException.class,
                        () -> Policy.builder("x").backlogTargetNs(3_000_000_000L).build()).getMessage());
    }
}
