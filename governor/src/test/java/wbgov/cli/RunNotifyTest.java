package wbgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.linux.NotifyListener;

/**
 * {@code wbgov run} against systemd's notification protocol, the way systemd drives a
 * {@code Type=notify} unit with {@code WatchdogSec=}: a real datagram socket as NOTIFY_SOCKET,
 * WATCHDOG_USEC, signals by pid. (The same under systemd as PID 1 runs in the guest test of the
 * dist module.) A dry run: no knob is touched, no root needed.
 */
class RunNotifyTest {
    private static final Pattern TERMINAL_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} (INFO |WARN |ERROR|DEBUG|TRACE) \\w+: .*");

    @TempDir
    Path dir;

    private Path policies() throws Exception {
        Path p = Files.createDirectories(dir.resolve("policies"));
        try (var s = Files.list(Path.of("..", "policies"))) {
            for (Path f : s.filter(f -> f.toString().endsWith(".toml")).toList()) {
                Files.copy(f, p.resolve(f.getFileName()));
            }
        }
        return p;
    }

    @Test
    void readyWatchdogReloadStopAsSystemdSeesThem() throws Exception {
        Path pol = policies();
        Path state = dir.resolve("state");
        try (NotifyListener sd = new NotifyListener(dir.resolve("notify"));
             WbgovProcess run = WbgovProcess.start(dir.resolve("run.log"),
                     Map.of("NOTIFY_SOCKET", sd.path().toString(), "WATCHDOG_USEC", "1000000"),
                     "run", "--dry-run", "--policies", pol.toString(), "--state-dir", state.toString())) {
            NotifyListener.Message ready = sd.await("READY=1", 60, TimeUnit.SECONDS);
            assertNotNull(ready, "no READY=1 within 60 s; log:\n" + run.output());
            assertTrue(ready.text().contains("STATUS=dry run: would govern "), ready.text());
            // READY comes after the first tick: by then the status socket answers with devices.
            assertTrue(Files.exists(state.resolve("wbgov.sock")), "status socket before READY");

            // WATCHDOG=1 every half WATCHDOG_USEC (500 ms): at least 3 in 2.5 s.
            long t0 = System.nanoTime();
            Thread.sleep(2500);
            long pings = sd.all().stream().filter(m -> m.text().equals("WATCHDOG=1") && m.atNanos() > t0).count();
            assertTrue(pings >= 3 && pings <= 7, "watchdog pings in 2.5 s at a 500 ms period: " + pings);

            // A second daemon on the same state directory is refused at once, naming the holder.
            Path second = dir.resolve("second.log");
            assertEquals(1, WbgovProcess.run(second, "run", "--dry-run", "--policies", pol.toString(),
                    "--state-dir", state.toString()));
            assertTrue(Files.readString(second).contains("(pid " + run.pid() + ")"), Files.readString(second));

            // SIGHUP: RELOADING=1, then READY=1 again.
            run.signal("HUP");
            assertNotNull(sd.await("RELOADING=1", 20, TimeUnit.SECONDS), "no RELOADING=1 after SIGHUP");
            assertNotNull(sd.await("READY=1", 20, TimeUnit.SECONDS), "no READY=1 after the reload");
            assertTrue(run.awaitOutput("policies reloaded", 10), run.output());

            // A broken policy: the reload says file:line and keeps the old set; still READY.
            Files.writeString(pol.resolve("zz-broken.toml"), "name = \"broken\"\ndrain_target = \"fast\"\n");
            run.signal("HUP");
            assertNotNull(sd.await("READY=1", 20, TimeUnit.SECONDS), "no READY=1 after a failed reload");
            assertTrue(run.awaitOutput("policies NOT reloaded", 10), run.output());
            assertTrue(run.output().contains("zz-broken.toml:"), "the error names file:line:\n" + run.output());
            Files.delete(pol.resolve("zz-broken.toml"));

            // A frozen duty cycle sends no WATCHDOG=1 (systemd would kill it), and resumes after.
            run.signal("STOP");
            Thread.sleep(300); // a ping already in the socket may still arrive
            long frozen = System.nanoTime();
            Thread.sleep(2000);
            assertTrue(sd.all().stream().noneMatch(m -> m.text().equals("WATCHDOG=1") && m.atNanos() > frozen),
                    "a stopped daemon pinged the watchdog");
            run.signal("CONT");
            assertNotNull(sd.await("WATCHDOG=1", 10, TimeUnit.SECONDS), "no watchdog ping after SIGCONT");

            // SIGTERM: STOPPING=1, exit 0 (a clean stop for systemd), the lock and socket released.
            run.process.destroy();
            assertTrue(run.process.waitFor(30, TimeUnit.SECONDS), "did not exit within 30 s of SIGTERM");
            assertEquals(0, run.process.exitValue(), run.output());
            assertNotNull(sd.await("STOPPING=1", 5, TimeUnit.SECONDS), "no STOPPING=1");
            assertTrue(!Files.exists(state.resolve("wbgov.sock")), "status socket left behind");

            // Off journald, every log line carries the full date and time.
            List<String> lines = run.output().lines().filter(l -> !l.startsWith("  ") && !l.startsWith("\t")).toList();
            for (String l : lines) {
                assertTrue(TERMINAL_LINE.matcher(l).matches(), "not a dated log line: " + l);
            }
        }
    }

    /**
     * {@code nohup wbgov run}: started with SIGHUP ignored, the JVM would install no handler for
     * it (silently), and a reload would never happen. The daemon puts it back and reloads.
     */
    @Test
    void sighupReloadsEvenWhenStartedUnderNohup() throws Exception {
        try (WbgovProcess run = WbgovProcess.startUnder(List.of("nohup"), dir.resolve("nohup.log"), Map.of(),
                "run", "--dry-run", "--policies", policies().toString(), "--state-dir", dir.resolve("s3").toString())) {
            assertTrue(run.awaitOutput("wbgov run:", 60), run.output());
            assertTrue(run.output().contains("SIGHUP was ignored at start"), run.output());
            run.signal("HUP");
            assertTrue(run.awaitOutput("policies reloaded", 20), run.output());
            run.process.destroy();
            assertTrue(run.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, run.process.exitValue(), run.output());
        }
    }

    @Test
    void statusExitsThreeWhenTheDaemonIsNotRunning() throws Exception {
        assertEquals(3, WbgovProcess.run(dir.resolve("st.log"), "status", "--state-dir", dir.resolve("none").toString()));
        // A stale socket file of a killed daemon: not running either.
        Path state = Files.createDirectories(dir.resolve("stale"));
        try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(state.resolve("wbgov.sock")));
        }
        assertEquals(3, WbgovProcess.run(dir.resolve("st2.log"), "status", "--state-dir", state.toString()));
    }

    @Test
    void withoutNotifySocketNothingIsSentAndRunStillWorks() throws Exception {
        try (WbgovProcess run = WbgovProcess.start(dir.resolve("plain.log"), Map.of(),
                "run", "--dry-run", "--policies", policies().toString(), "--state-dir", dir.resolve("s2").toString())) {
            assertTrue(run.awaitOutput("wbgov run:", 60), run.output());
            run.process.destroy();
            assertTrue(run.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, run.process.exitValue(), run.output());
            assertTrue(!run.output().contains("under systemd"), run.output());
        }
    }
}
