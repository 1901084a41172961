package wbgov.governor.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.discover.DeviceKind;

/** The TOML subset: what it accepts beyond one-line values, what it refuses and how it says so. */
class PolicyLexerTest {
    private static final String HEAD = "[policy]\nname = \"t\"\npriority = 5\n"; // lines 1-3

    private static List<String> errors(String text) {
        PolicyParser.Result r = PolicyParser.parse("p.toml", text);
        return r.errors().stream().map(PolicyError::toString).toList();
    }

    @Test
    void multiLineArraysWithCommentsAndATrailingComma() {
        PolicyParser.Result r = PolicyParser.parse("p.toml", HEAD + "[match]\nkind = [\n  \"nbd\",  # the client\n\n"
                + "  # a comment line\n  \"loop\", \"fuse\",\n]\nfstype = [\"a\",\n \"b\"]  # done\n[limits]\nstrict = true\n");
        assertEquals(List.of(), r.errors());
        assertEquals(List.of(DeviceKind.NBD, DeviceKind.LOOP, DeviceKind.FUSE), r.policy().kinds());
        assertEquals(List.of("a", "b"), r.policy().fsTypes());
        assertTrue(r.policy().strict());
    }

    @Test
    void anArrayErrorNamesItsOwnLineAndTheRestOfTheArrayIsSkipped() {
        assertEquals(List.of("p.toml:7: syntax: arrays hold quoted strings separated by commas, got "
                + "[ \"nbd\", \"loop\" \"fuse\","), errors(HEAD + "[match]\nkind = [\n  \"nbd\",\n  \"loop\" \"fuse\",\n"
                        + "  \"x\",\n]\n"));
        assertEquals(List.of("p.toml:5: syntax: an array must close with ']' before the next key or section; it is "
                + "still open at the end of the file"), errors(HEAD + "[match]\nkind = [\"nbd\",\n  \"loop\"\n"));
        assertEquals(List.of("p.toml:5: syntax: unexpected text after the array: \"x\""),
                errors(HEAD + "[match]\nkind = [\"nbd\"] x\n"));
    }

    /** The first error of HEAD + {@code text} is "p.toml:LINE: WHAT; wbgov accepts a subset of TOML: …". */
    private static void refused(String lineAndWhat, String text) {
        assertEquals("p.toml:" + lineAndWhat + "; " + PolicyLexer.SUBSET, errors(HEAD + text).get(0));
    }

    @Test
    void refusalsSayWhichSubsetIsAccepted() {
        assertTrue(PolicyLexer.SUBSET.startsWith("wbgov accepts a subset of TOML: "));
        assertTrue(PolicyLexer.SUBSET.endsWith("(see policies/README.md)"));
        refused("4: syntax: dotted keys (limits.floor = …) are not supported", "limits.floor = \"2M\"\n");
        refused("4: syntax: quoted keys are not supported", "\"floor\" = 1\n");
        refused("4: syntax: dotted section names ([limits.x]) are not supported", "[limits.x]\n");
        refused("4: syntax: arrays of tables ([[...]]) are not supported", "[[limits]]\n");
        refused("5: syntax: inline tables are not supported", "[limits]\nfloor = { a = 1 }\n");
        refused("5: syntax: floats are not supported", "[limits]\nfloor = 1.5\n");
        refused("5: syntax: dates are not supported", "[limits]\nfloor = 2024-01-01\n");
        refused("5: syntax: multi-line strings are not supported", "[limits]\nfloor = \"\"\"\n2M\"\"\"\n");
        refused("5: syntax: arrays hold quoted strings separated by commas, got [[\"a\"]]", "[match]\nname = [[\"a\"]]\n");
        assertEquals(1, errors(HEAD + "limits.floor = \"2M\"\n").size());
    }

    @Test
    void aMissingValueIsReportedOnlyForAKnownKey() {
        assertEquals(List.of("p.toml:5: floor: missing value"), errors(HEAD + "[limits]\nfloor =\n"));
        assertEquals(List.of("p.toml:5: unknown key 'flor' in [limits]; known keys: govern, drain_target, "
                + "backlog_target, floor, ceiling, initial, strict, inflight_latency"), errors(HEAD + "[limits]\nflor = [\n"));
    }

    @Test
    void invalidUtf8NamesFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.toml");
        byte[] head = (HEAD).getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'#', ' ', 'o', 'k', ' ', (byte) 0xC3, (byte) 0xA9, ' ', (byte) 0xFF, '\n'};
        byte[] all = new byte[head.length + bad.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        Files.write(f, all);
        PolicyParser.Result r = PolicyParser.parse(f);
        assertNull(r.policy());
        assertEquals(List.of(f + ":4: not valid UTF-8 (byte 0xff at column 9)"),
                r.errors().stream().map(PolicyError::toString).toList());
    }

    @Test
    void hostileValuesAreClippedAndControlCharactersEscaped() {
        String huge = "x".repeat(100_000);
        List<String> e = errors(HEAD + "[limits]\nfloor = \"" + huge + "\"\nceiling = " + huge + "\n"
                + "strict = \"\u001b[31mred\"\n" + huge + "\n");
        assertEquals(4, e.size(), e.toString());
        assertEquals("p.toml:5: floor: expected " + wbgov.nbd.units.Units.SIZE_FORM + ", got \"" + "x".repeat(80) + "…\"",
                e.get(0));
        assertEquals("p.toml:6: syntax: unsupported value " + "x".repeat(80) + "…; " + PolicyLexer.SUBSET, e.get(1));
        assertEquals("p.toml:7: strict: expected true or false, got \"\\u001b[31mred\"", e.get(2));
        assertEquals("p.toml:8: syntax: expected 'key = value' or '[section]', got \"" + "x".repeat(80) + "…\"", e.get(3));
        assertEquals("ab", PolicyLexer.clip("ab"));
        assertEquals("a\\u202eb\\u0000", PolicyLexer.clip("a\u202eb\u0000"));
    }

    @Test
    void aByteOrderMarkIsSkipped() {
        assertEquals(List.of(), errors("\uFEFF" + HEAD));
    }
}
