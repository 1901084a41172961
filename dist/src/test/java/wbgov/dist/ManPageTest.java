package wbgov.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import wbgov.nbd.testing.Peers;

class ManPageTest {
    private static final ManPage RENDERER = new ManPage(new ManPage.Meta("8", "2026-01-02", "wbgov 1.0", "wbgov manual"));

    @Test
    void escapesWhatRoffWouldInterpret() {
        assertEquals("\\-\\-dry\\-run", ManPage.escape("--dry-run"));
        assertEquals("\\&.hidden", ManPage.escape(".hidden"));
        assertEquals("\\&'quoted' text", ManPage.escape("'quoted' text"));
        assertEquals("it's fine", ManPage.escape("it's fine"));
        assertEquals("a\\eb", ManPage.escape("a\\b"));
        assertEquals("x \\[u2026] y \\[u00D7]", ManPage.escape("x … y ×"));
        assertEquals("one two", ManPage.escape(" one\ntwo "));
        assertEquals("\\&.after a blank", ManPage.escape("  .after a blank"));
    }

    @Test
    void picocliMarkupAndFormatSpecifiersResolved() {
        assertEquals("bold and 100%\nnext", ManPage.plain("@|bold bold|@ and 100%%%nnext"));
    }

    @Test
    void everySectionFromTheModel() {
        CommandSpec top = CommandSpec.create().name("tool");
        top.usageMessage().description("Does things. More words.", ".dot first%nsecond line");
        top.addOption(OptionSpec.builder("-x", "--ex-ample").paramLabel("N").type(int.class)
                .description("a value - with a hyphen").build());
        top.addOption(OptionSpec.builder("--flag").description("a flag").build());
        top.addPositional(PositionalParamSpec.builder().paramLabel("FILE").description("the file").build());
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put(" 0", "success");
        codes.put(" 2", "bad input");
        top.usageMessage().exitCodeList(codes);
        CommandSpec sub = CommandSpec.create().name("sub-cmd");
        sub.usageMessage().description("The subcommand.");
        top.addSubcommand("sub-cmd", sub);

        String page = RENDERER.render(top, Map.of("/etc/tool.conf", "its config"), List.of("other(1)"));
        List<String> sections = page.lines().filter(l -> l.startsWith(".SH ")).toList();
        assertEquals(List.of(".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH ARGUMENTS",
                ".SH COMMANDS", ".SH \"EXIT STATUS\"", ".SH FILES", ".SH \"SEE ALSO\""), sections);
        assertTrue(page.contains(".TH \"TOOL\" 8 \"2026\\-01\\-02\" \"wbgov 1.0\" \"wbgov manual\"\n"), page);
        assertTrue(page.contains(".SH NAME\ntool \\- Does things.\n"), page);
        assertTrue(page.contains("\\fB\\-x\\fR, \\fB\\-\\-ex\\-ample\\fR \\fIN\\fR\na value \\- with a hyphen\n"), page);
        assertTrue(page.contains("\\&.dot first\n.PP\nsecond line\n"), page);
        assertTrue(page.contains(".TP\n\\fB0\\fR\nsuccess\n.TP\n\\fB2\\fR\nbad input\n"), page);
        assertTrue(page.contains(".BR \\%tool\\-sub\\-cmd (8),\n.BR \\%other (1)\n"), page);
        // Every control line is one of the macros the renderer writes; every hyphen is escaped.
        for (String line : page.lines().toList()) {
            if (line.startsWith(".") || line.startsWith("'")) {
                assertTrue(line.matches("^\\.(\\\\\" .*|TH .*|SH .*|TP|PP|br|B .*|BR .*)$"), "unexpected control line: " + line);
            }
            if (!line.startsWith(".\\\"")) {
                assertFalse(line.matches(".*(?<!\\\\)-.*"), "unescaped hyphen: " + line);
            }
        }
        // A subcommand's page is named by its qualified name and points back to its parent.
        String subPage = RENDERER.render(sub, Map.of(), List.of());
        assertTrue(subPage.contains(".SH NAME\ntool\\-sub\\-cmd \\- The subcommand.\n"), subPage);
        assertTrue(subPage.contains(".BR \\%tool (8)\n"), subPage);
        assertFalse(subPage.contains("EXIT STATUS"), "no exit codes in the model: no section");
    }

    /** The real CLI's pages: every command has one, and groff finds nothing to warn about. */
    @Test
    void realPagesRenderWithoutGroffWarnings(@TempDir Path dir) throws Exception {
        List<String> names = new ArrayList<>();
        GenerateDocs.writePages(RENDERER, new CommandLine(new wbgov.cli.Main()), dir, names);
        assertTrue(names.containsAll(List.of("wbgov", "wbgov-run", "wbgov-attach", "wbgov-policy-check")), names.toString());
        assertFalse(GenerateDocs.completionScript(new CommandLine(new wbgov.cli.Main())).startsWith("#!"));
        // wbgov-policy(8) carries the key reference generated from the policy key table
        String policy = Files.readString(dir.resolve("wbgov-policy.8"));
        assertTrue(policy.contains(".SH \"POLICY KEYS\"\n.TP\n\\fI[policy] name\\fR\nstring, required: "), policy);
        assertTrue(policy.contains(".TP\n\\fI[limits] drain_target\\fR\nduration, default \"2s\", 10ms..1h: "), policy);
        Peers.requireTool("man", "man-db");
        Peers.requireTool("groff", "groff-base");
        for (String n : names) {
            // what lintian runs (groff-message): warnings on stderr, output discarded
            Peers.Result r = Peers.run(60, "sh", "-c", "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z '"
                    + dir.resolve(n + ".8") + "' >/dev/null");
            assertEquals(0, r.exit(), n + ": " + r.output());
            assertEquals("", r.output(), n + ".8: groff warnings");
        }
    }
}
