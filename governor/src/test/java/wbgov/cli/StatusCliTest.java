package wbgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.nbd.testing.Peers;

/**
 * {@code wbgov status} as people and scripts use it, against a real dry-run daemon (no root, no
 * knob touched): hostile policy names through jq, {@code --watch} in a real terminal (tmux) and
 * in a pipe, a daemon that goes away and comes back, and, as root, the status socket read by a
 * member of its group and refused to anyone else.
 */
class StatusCliTest {
    /** A policy name with a tab, quotes, a backslash, a newline and an emoji, as TOML escapes it, and as read. */
    private static final String HOSTILE_TOML = "tab\\there \\\"quoted\\\" back\\\\slash\\nnewline 😀";
    private static final String HOSTILE = "tab\there \"quoted\" back\\slash\nnewline 😀";
    private static final Pattern UPTIME = Pattern.compile("^wbgov \\S+, up (\\S+),", Pattern.MULTILINE);

    @TempDir
    Path dir;

    private final List<WbgovProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(WbgovProcess::close);
    }

    /** One policy, matching every device, named {@link #HOSTILE}. */
    private Path policies() throws IOException {
        Path p = Files.createDirectories(dir.resolve("policies"));
        Files.writeString(p.resolve("all.toml"), "[policy]\nname = \"" + HOSTILE_TOML + "\"\npriority = 0\n\n[match]\n\n"
                + "[limits]\ngovern = true\ndrain_target = \"3s\"\nfloor = \"8M\"\nceiling = \"1G\"\ninitial = \"64M\"\n",
                StandardCharsets.UTF_8);
        return p;
    }

    /** A dry-run daemon on {@code state}, answering on its status socket. */
    private WbgovProcess daemon(Path state, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--dry-run", "--policies", policies().toString(),
                "--state-dir", state.toString()));
        args.addAll(List.of(extra));
        WbgovProcess run = WbgovProcess.start(dir.resolve("run-" + started.size() + ".log"), Map.of(),
                args.toArray(String[]::new));
        started.add(run);
        assertTrue(run.awaitOutput("wbgov run:", 60), "the daemon did not start:\n" + run.output());
        return run;
    }

    private WbgovProcess status(String name, String... args) throws IOException {
        WbgovProcess p = WbgovProcess.start(dir.resolve(name), Map.of(), args);
        started.add(p);
        return p;
    }

    @Test
    void hostilePolicyNamesReachJqIntactAndTheTableStaysATable() throws Exception {
        Path jq = Peers.requireTool("jq", "jq");
        Path state = dir.resolve("state");
        daemon(state);
        Path json = dir.resolve("status.json");
        assertEquals(0, WbgovProcess.run(json, "status", "--json", "--all", "--state-dir", state.toString()),
                Files.readString(json));
        Peers.run(30, jq.toString(), "-e", ".", json.toString()).assertOk("jq -e . on status --json");
        Path name = dir.resolve("name");
        Files.writeString(name, HOSTILE, StandardCharsets.UTF_8);
        Peers.Result r = Peers.run(30, jq.toString(), "-e", "--rawfile", "n", name.toString(),
                "[.devices[] | select(.policy == $n)] | length > 0", json.toString());
        assertEquals(0, r.exit(), "no device under the policy's exact name:\n" + r.output() + Files.readString(json));
        r = Peers.run(30, jq.toString(), "-e", ".time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[.][0-9]{3}Z$\")",
                json.toString());
        assertEquals(0, r.exit(), "time not RFC 3339 UTC with ms: " + r.output());

        Path table = dir.resolve("status.txt");
        assertEquals(0, WbgovProcess.run(table, "status", "--state-dir", state.toString()));
        String t = Files.readString(table);
        assertFalse(t.contains("\t") || t.contains("\033"), "a control character reached the table:\n" + t);
        List<String> rows = t.lines().filter(l -> l.contains("tab?here")).toList();
        assertFalse(rows.isEmpty(), "no row under the policy:\n" + t);
        rows.forEach(l -> assertTrue(l.endsWith("/3s"), "the drain target beside the drain time: " + l));
        assertTrue(t.lines().allMatch(l -> l.length() <= 100), "over 100 columns:\n" + t);
    }

    @Test
    void watchWithoutATerminalPrintsOneTableOrJsonLinePerIntervalAndOutlivesTheDaemon() throws Exception {
        Path state = dir.resolve("state");
        // never reachable: 3 at once, as status alone
        assertEquals(3, WbgovProcess.run(dir.resolve("none.log"), "status", "--watch", "200ms", "--state-dir",
                state.toString()));
        WbgovProcess run = daemon(state);
        WbgovProcess text = status("watch.txt", "status", "--watch", "300ms", "--state-dir", state.toString());
        WbgovProcess json = status("watch.json", "status", "--watch", "300ms", "--json", "--state-dir", state.toString());
        Thread.sleep(2500);
        String out = text.output();
        List<String> uptimes = uptimes(out);
        assertTrue(uptimes.size() >= 4, "one table per 300 ms, ≥ 4 in 2.5 s: " + uptimes.size() + "\n" + out);
        assertTrue(uptimes.stream().distinct().count() >= 2, "the same table again and again: " + uptimes);
        assertFalse(out.contains("\033"), "no escape sequences into a pipe");
        List<String> docs = json.output().lines().toList();
        docs = docs.subList(0, docs.size() - 1); // the last may be cut by the kill
        assertTrue(docs.size() >= 4, "one JSON document per line per interval: " + docs.size());
        for (String d : docs) {
            assertTrue(d.startsWith("{\"time\":\"") && d.endsWith("}"), d);
        }
        assertEquals(docs.size(), docs.stream().map(d -> d.substring(0, 40)).distinct().count(), "times repeat");

        // The daemon stops: said once, retried; back, said again and tables resume.
        run.process.destroy();
        assertTrue(run.process.waitFor(30, TimeUnit.SECONDS));
        assertTrue(text.awaitOutput("wbgov run is not running", 10), text.output());
        assertTrue(text.awaitOutput("retrying every 300ms", 1), text.output());
        int before = uptimes(text.output()).size();
        daemon(state);
        assertTrue(text.awaitOutput("the daemon answers again", 20), text.output());
        Thread.sleep(1000);
        assertTrue(uptimes(text.output()).size() > before, "no table since the daemon came back");
        assertTrue(text.process.isAlive(), "gave up on a daemon it had reached");
    }

    private static List<String> uptimes(String out) {
        Matcher m = UPTIME.matcher(out);
        List<String> u = new ArrayList<>();
        while (m.find()) {
            u.add(m.group(1));
        }
        return u;
    }

    /** {@code tmux} on a private server: its exit status and output. */
    private Peers.Result tmux(String server, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", server));
        cmd.addAll(List.of(args));
        return Peers.run(30, cmd);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * In a real terminal (tmux, 120×40): the table drawn and redrawn in place (one header on
     * the screen, the uptime moving), the cursor hidden; q quits 0, as Ctrl-C does, and the
     * terminal's settings and cursor are as before. The second run as a vt100.
     */
    @Test
    void watchRedrawsInPlaceInATerminalAndQuitsCleanly() throws Exception {
        Peers.requireTool("tmux", "tmux");
        Path state = dir.resolve("state");
        daemon(state);
        // One tmux server per terminal type: a new session on the name of a server just killed can
        // meet it still exiting ("server exited unexpectedly", once in a CI rehearsal).
        String servers = "wbgov-status-" + ProcessHandle.current().pid();
        String server = servers;
        try {
            for (String[] how : new String[][] {{"q", "tmux-256color"}, {"C-c", "vt100"}}) {
                server = servers + "-" + how[1];
                Path rc = dir.resolve("rc-" + how[1]);
                Path before = dir.resolve("stty-before-" + how[1]);
                Path after = dir.resolve("stty-after-" + how[1]);
                String wbgov = WbgovProcess.commandLine(System.getProperty("java.class.path"),
                        System.getProperty("jna.tmpdir", "/tmp"), "status", "--watch", "1s", "--state-dir",
                        state.toString()).stream().map(StatusCliTest::quote).collect(Collectors.joining(" "));
                String shell = "stty -a > " + quote(before.toString()) + "; TERM=" + how[1] + " " + wbgov + "; echo $? > "
                        + quote(rc + ".tmp") + "; stty -a > " + quote(after.toString()) + "; mv " + quote(rc + ".tmp")
                        + " " + quote(rc.toString()) + "; sleep 60";
                tmux(server, "new-session", "-d", "-x", "120", "-y", "40", shell).assertOk("tmux new-session");
                String first = awaitPane(server, "DRAIN/TARGET", 60);
                assertTrue(first.contains("q quits"), first);
                assertEquals("0", tmux(server, "display", "-p", "#{cursor_flag}").output().trim(), "cursor not hidden");
                String up = uptimes(first).get(0);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                String now = first;
                while (System.nanoTime() < end && uptimes(now).get(0).equals(up)) {
                    Thread.sleep(200);
                    now = tmux(server, "capture-pane", "-p").output();
                    if (uptimes(now).isEmpty()) {
                        now = first; // caught mid-frame
                    }
                }
                assertFalse(uptimes(now).get(0).equals(up), "not redrawn in 15 s:\n" + now);
                assertEquals(1, uptimes(now).size(), "redrawn below, not in place:\n" + now);
                assertEquals(1, now.split("DRAIN/TARGET", -1).length - 1, now);

                tmux(server, "send-keys", how[0]).assertOk("send-keys");
                long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (!Files.exists(rc) && System.nanoTime() < stop) {
                    Thread.sleep(100);
                }
                assertTrue(Files.exists(rc), how[0] + " did not end it:\n" + tmux(server, "capture-pane", "-p").output());
                assertEquals("0", Files.readString(rc).trim(), how[0] + ": exit status");
                assertEquals(Files.readString(before), Files.readString(after), "terminal settings not restored");
                assertEquals("1", tmux(server, "display", "-p", "#{cursor_flag}").output().trim(), "cursor left hidden");
                tmux(server, "kill-server");
            }
        } finally {
            tmux(server, "kill-server");
        }
    }

    private String awaitPane(String server, String needle, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String pane = "";
        while (System.nanoTime() < end) {
            pane = tmux(server, "capture-pane", "-p").output();
            if (pane.contains(needle) && !uptimes(pane).isEmpty()) {
                return pane;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("'" + needle + "' not on the screen in " + seconds + " s:\n" + pane);
    }

    /**
     * As root: the status socket opened to a group (wbgov if it exists, else a temporary one):
     * mode 0660, that group; a user in it reads the table, one outside is told to join it (exit 4).
     */
    @Test
    void theStatusSocketIsReadByItsGroupOnly() throws Exception {
        Peers.requireRoot();
        Peers.requireTool("setpriv", "util-linux");
        boolean exists = Peers.run(10, "getent", "group", "wbgov").exit() == 0;
        String group = exists ? "wbgov" : "wbgovt" + ProcessHandle.current().pid() % 100_000;
        if (!exists) {
            Peers.run(30, "groupadd", "--system", group).assertOk("groupadd " + group);
        }
        // Outside @TempDir (0700): another user must reach the socket and read the classes.
        Path shared = Files.createTempDirectory(Path.of("/tmp"), "wbgov-status-group");
        try {
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
            String gid = Peers.run(10, "getent", "group", group).output().split(":")[2];
            Path state = Files.createDirectories(shared.resolve("state"));
            daemon(state, "--status-group", group);
            Path sock = state.resolve("wbgov.sock");
            PosixFileAttributes a = Files.readAttributes(sock, PosixFileAttributes.class);
            assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
            assertEquals(group, a.group().getName());

            String cp = publicClasspath(Files.createDirectories(shared.resolve("cp")));
            Path jna = Files.createDirectories(shared.resolve("jna"));
            Files.setPosixFilePermissions(jna, PosixFilePermissions.fromString("rwxrwxrwx"));
            List<String> status = WbgovProcess.commandLine(cp, jna.toString(), "status", "--state-dir", state.toString());
            List<String> member = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--groups=" + gid));
            member.addAll(status);
            Peers.Result in = Peers.run(60, member);
            assertEquals(0, in.exit(), "a member of " + group + ":\n" + in.output());
            assertTrue(in.output().contains("DRAIN/TARGET"), in.output());

            List<String> other = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
            other.addAll(status);
            Peers.Result out = Peers.run(60, other);
            assertEquals(StatusCommand.NO_PERMISSION, out.exit(), out.output());
            assertTrue(out.output().contains("permission denied") && out.output().contains("add yourself to group " + group),
                    out.output());
        } finally {
            stopAll();
            Peers.run(60, "rm", "-rf", shared.toString());
            if (!exists) {
                Peers.run(30, "groupdel", group).assertOk("groupdel " + group);
            }
        }
    }

    /** This test's classpath copied where any user may read it (~/.m2 under /root is not). */
    private static String publicClasspath(Path to) throws IOException {
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(":")) {
            Path from = Path.of(e);
            if (!Files.exists(from)) {
                continue;
            }
            Path dest = to.resolve(i++ + "-" + from.getFileName());
            try (var walk = Files.walk(from)) {
                for (Path f : walk.toList()) {
                    Path d = dest.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(d);
                    } else {
                        Files.copy(f, d);
                    }
                }
            }
            entries.add(dest.toString());
        }
        Peers.Result r;
        try {
            r = Peers.run(60, "chmod", "-R", "a+rX", to.toString());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException(ex);
        }
        r.assertOk("chmod");
        return String.join(":", entries);
    }
}
