package wbgov.governor.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import wbgov.governor.discover.DeviceKind;

class PolicyParserTest {
    private static final String GOOD = """
            # a comment
            [policy]
            name = "nbd"
            priority = 80            # trailing comment

            [match]
            kind = ["nbd", "loop"]
            transport = "nbd"
            removable = false
            name = ["nbd*", "43:*"]
            mount = '/mnt/#not-a-comment'
            fstype = ["ext4", "xfs",]

            [limits]
            govern = true
            drain_target = "1.5s"
            backlog_target = "250ms"
            floor = "2M"
            ceiling = 268_435_456
            strict = true
            inflight_latency = "20ms"
            initial = "4M"
            """;

    @Test
    void parsesEveryKey() {
        PolicyParser.Result r = PolicyParser.parse("nbd.toml", GOOD);
        assertEquals(List.of(), r.errors());
        Policy p = r.policy();
        assertEquals("nbd", p.name());
        assertEquals(80, p.priority());
        assertEquals(List.of(DeviceKind.NBD, DeviceKind.LOOP), p.kinds());
        assertEquals(List.of("nbd"), p.transports());
        assertEquals(Boolean.FALSE, p.removable());
        assertNull(p.rotational());
        assertEquals(List.of("nbd*", "43:*"), p.names());
        assertEquals(List.of("/mnt/#not-a-comment"), p.mounts());
        assertEquals(List.of("ext4", "xfs"), p.fsTypes());
        assertTrue(p.govern());
        assertEquals(1_500_000_000L, p.drainTargetNs());
        assertEquals(250_000_000L, p.backlogTargetNs());
        assertEquals(2L << 20, p.floorBytes());
        assertEquals(256L << 20, p.ceilingBytes());
        assertTrue(p.strict());
        assertEquals(20_000_000L, p.inflightLatencyNs());
        assertEquals(4L << 20, p.initialBytes());
        assertEquals(6, p.matchKeyCount());
        assertEquals("nbd.toml", p.source());
    }

    @Test
    void initialDefaultsToFloor() {
        Policy p = PolicyParser.parse("x", "[policy]\nname = \"x\"\npriority = 1\n[limits]\nfloor = \"3M\"\n").policy();
        assertEquals(3L << 20, p.initialBytes());
    }

    /** Parses {@code text} expecting exactly the given "line: message-fragment" errors. */
    private static void assertErrors(String text, String... expected) {
        PolicyParser.Result r = PolicyParser.parse("p.toml", text);
        assertNull(r.policy(), "a file with errors yields no policy");
        List<String> got = new ArrayList<>();
        for (PolicyError e : r.errors()) {
            got.add(e.toString());
        }
        assertEquals(expected.length, got.size(), "errors: " + got);
        for (int i = 0; i < expected.length; i++) {
            String[] lineAndText = expected[i].split(": ", 2);
            String prefix = "p.toml:" + lineAndText[0] + ": ";
            assertTrue(got.get(i).startsWith(prefix) && got.get(i).contains(lineAndText[1]),
                    "expected " + prefix + "…" + lineAndText[1] + "… got " + got.get(i));
        }
    }

    private static final String HEAD = "[policy]\nname = \"t\"\npriority = 5\n"; // lines 1-3

    @Test
    void unknownKey() {
        assertErrors(HEAD + "[limits]\ndrain = \"2s\"\n", "5: unknown key 'drain' in [limits]; known keys: govern");
    }

    @Test
    void unknownSection() {
        assertErrors(HEAD + "[limit]\nfloor = \"2M\"\n", "4: unknown section [limit]");
    }

    @Test
    void duplicateKeyNamesFirstLine() {
        assertErrors(HEAD + "[limits]\nfloor = \"2M\"\nfloor = \"4M\"\n",
                "6: duplicate key 'floor' in [limits] (first set on line 5)");
    }

    @Test
    void duplicateSection() {
        assertErrors(HEAD + "[match]\nkind = \"nbd\"\n[match]\n", "6: duplicate section [match] (first on line 4)");
    }

    @Test
    void badValuesSayTheExpectedForm() {
        assertErrors(HEAD + "[limits]\nfloor = \"lots\"\ndrain_target = 2\nstrict = \"yes\"\n"
                        + "inflight_latency = \"20 msec\"\n[match]\nkind = \"nvm\"\nremovable = 1\n",
                "5: floor: expected a size like",
                "6: drain_target: expected a duration like",
                "7: strict: expected true or false, got \"yes\"",
                "8: inflight_latency: expected a duration like",
                "10: kind: unknown kind \"nvm\"; known kinds: nbd, loop",
                "11: removable: expected true or false, got 1");
    }

    @Test
    void syntaxErrors() {
        assertErrors(HEAD + "[match]\nkind \"nbd\"\nname = \"open\nmount = [\"/a\",\nfstype = ext4\n"
                        + "vendor = \"a\" \"b\"\n[[x]]\n[limits\n",
                "5: syntax: expected 'key = value'",
                "6: syntax: unterminated string",
                "7: syntax: an array must close with ']' before the next key or section; it is still open at line 8",
                "8: syntax: unsupported value ext4",
                "9: syntax: unexpected text after the string",
                "10: syntax: arrays of tables",
                "11: syntax: section header must end with ']'");
    }

    @Test
    void keyOutsideSection() {
        assertErrors("name = \"x\"\n" + HEAD, "1: key 'name' outside a section");
    }

    @Test
    void missingRequiredKeys() {
        assertErrors("[limits]\nfloor = \"2M\"\n", "1: missing [policy] section");
        assertErrors("\n[policy]\nname = \"x\"\n", "2: missing key 'priority' in [policy]");
        assertErrors("[policy]\npriority = 3\n", "1: missing key 'name' in [policy]");
    }

    @Test
    void rangeChecksReportTheKeyLine() {
        assertErrors(HEAD + "[limits]\nfloor = \"512K\"\ndrain_target = \"1ms\"\n",
                "5: floor must be at least 1M (below it even a slow device loses speed), got 512K",
                "6: drain_target must be between 10ms and 1h");
        assertErrors(HEAD + "priority = 2000\n", "4: duplicate key 'priority'");
        assertErrors("[policy]\nname = \"t\"\npriority = 2000\n", "3: priority must be in 0..1000");
    }

    @Test
    void limitsAgainstEachOther() {
        assertErrors(HEAD + "[limits]\nfloor = \"64M\"\nceiling = \"32M\"\n", "6: floor 64M is above ceiling 32M");
        assertErrors(HEAD + "[limits]\nceiling = \"32M\"\ninitial = \"64M\"\n", "6: initial 64M is outside floor..ceiling");
        // the error names the later of the two lines, whichever order they come in
        assertErrors(HEAD + "[limits]\nbacklog_target = \"3s\"\ndrain_target = \"2s\"\n",
                "6: backlog_target 3s is above drain_target 2s");
        assertErrors(HEAD + "[limits]\nbacklog_target = \"3s\"\n", "5: backlog_target 3s is above drain_target 2s");
    }

    @Test
    void backlogTargetDefaultsToTheDrainTarget() {
        Policy p = PolicyParser.parse("t.toml", HEAD + "[limits]\ndrain_target = \"3s\"\n").policy();
        assertEquals(3_000_000_000L, p.backlogTargetNs());
    }

    @Test
    void emptyListIsAnError() {
        assertErrors(HEAD + "[match]\nkind = []\n", "5: kind: empty list matches nothing");
    }

    @Test
    void allErrorsReportedInLineOrder() {
        PolicyParser.Result r = PolicyParser.parse("p.toml",
                "[policy]\nname = \"t\"\npriority = 1\n[bogus]\n[limits]\nfloor = \"x\"\nwhat = 1\n");
        assertFalse(r.ok());
        assertEquals(List.of(4, 6, 7), r.errors().stream().map(PolicyError::line).toList());
    }
}
