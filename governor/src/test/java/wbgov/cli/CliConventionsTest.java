package wbgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a Linux user types first: --help everywhere, usage errors exit 2, nothing half-parsed. */
class CliConventionsTest {
    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new Result(rc, out.toString(), err.toString());
    }

    /** Every command path: [run], [policy, check], … */
    private static List<List<String>> commandPaths(CommandLine cl, List<String> prefix) {
        List<List<String>> all = new ArrayList<>();
        for (var e : cl.getSubcommands().entrySet()) {
            List<String> p = new ArrayList<>(prefix);
            p.add(e.getKey());
            all.add(p);
            all.addAll(commandPaths(e.getValue(), p));
        }
        return all;
    }

    @Test
    void everyCommandAnswersHelpAndHWithExitZero() {
        List<List<String>> paths = commandPaths(Main.commandLine(), List.of());
        assertTrue(paths.size() >= 11, "commands found: " + paths);
        for (List<String> p : paths) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(p);
                args.add(flag);
                Result r = run(args.toArray(String[]::new));
                assertEquals(0, r.exit(), args + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: wbgov " + String.join(" ", p)), args + " printed:\n" + r.out());
            }
        }
    }

    @Test
    void helpReachesNestedCommands() {
        Result r = run("help", "policy", "explain");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("Usage: wbgov policy explain"), r.out());
        assertEquals(2, run("help", "policy", "nope").exit());
    }

    @Test
    void theTopHelpListsExitCodes() {
        Result r = run("--help");
        assertTrue(r.out().contains("Exit status:") && r.out().contains("3   status: the daemon is not running"), r.out());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run("run", "--bogus").exit());
        assertEquals(2, run("run", "--interval", "5", "--dry-run").exit());
        assertEquals(2, run("run", "--log-level", "loud").exit());
        Result ctl = run("ctl", dir.resolve("sock").toString());
        assertEquals(2, ctl.exit());
        assertTrue(ctl.err().contains("Usage: wbgov ctl"), "ctl without an action prints usage:\n" + ctl.err());
        assertEquals(2, run("serve", "--unix", "/tmp/x.sock", "--port", "1", "memory:1M").exit());
    }

    @Test
    void aNegativeValueAfterSetIsAValueNotAnOption() {
        // Parsing only: the words reach the server unchanged (the server says "must be >= 0").
        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult pr = cl.parseArgs("ctl", "/run/x.sock", "set", "latency", "-1ms");
        CtlCommand ctl = (CtlCommand) pr.subcommand().commandSpec().userObject();
        assertEquals(List.of("set", "latency", "-1ms"), ctl.words);
    }

    @Test
    void policyCheckOfAnEmptyDirectoryIsAnError() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(1, run("policy", "check", empty.toString()).exit());
    }

    @Test
    void uriNamesTheExportAndSocket() {
        assertEquals("nbd://127.0.0.1:10809/", ServeCommand.uri("127.0.0.1:10809", ""));
        assertEquals("nbd://[::1]:10809/disk%201", ServeCommand.uri("[::1]:10809", "disk 1"));
        assertEquals("nbd+unix:///vm?socket=/run/x.sock", ServeCommand.uri("unix:/run/x.sock", "vm"));
    }
}
