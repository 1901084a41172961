package wbgov.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.bench.rig.BlkThrottle;
import wbgov.bench.rig.KernelSnapshot;
import wbgov.bench.rig.RigPeers;
import wbgov.bench.rig.Sh;
import wbgov.nbd.testing.Peers;

/**
 * Ctrl-C in the middle of a benchmark leaves the machine as it was: a child JVM builds every rig
 * ({@link TeardownChild}), writers running and the daemon governing, and is sent SIGINT; then
 * nothing of it may remain — mounts, loop devices, nbdfuse, the daemon, blk-throttle rules,
 * vm.dirty_* (both forms) and the knobs of every bdi on the machine.
 */
class TeardownOnInterruptTest {
    @TempDir
    Path tmp;

    /** SIGINT to the benchmark's JVM only (kill -INT PID). */
    @Test
    void sigintToTheJvmTearsEverythingDown() throws Exception {
        interruptAndCheck(false);
    }

    /**
     * Ctrl-C as a terminal sends it: SIGINT to the whole process group, so nbdfuse and the daemon
     * get it too and may exit first (nbdfuse unmounting itself under the loop device).
     */
    @Test
    void ctrlCToTheProcessGroupTearsEverythingDown() throws Exception {
        Peers.requireTool("setsid", "util-linux");
        interruptAndCheck(true);
    }

    private void interruptAndCheck(boolean wholeGroup) throws Exception {
        RigPeers.require();
        Path root = tmp.toAbsolutePath();
        Map<String, String> vmBefore;
        Map<String, String> knobsBefore;
        try (wbgov.bench.rig.MachineLock lock = wbgov.bench.rig.MachineLock.acquire(wbgov.bench.rig.MachineLock.DEFAULT_WAIT_NS)) {
            vmBefore = vm(); // read while no other benchmark runs; the child takes the lock next
            knobsBefore = allBdiKnobs();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new java.util.ArrayList<>();
        if (wholeGroup) {
            cmd.add("setsid"); // its own process group, as a shell job; exec's, so the pid is the JVM's
        }
        // A job started in the background of a non-interactive shell inherits SIGINT ignored, and
        // the JVM then keeps it ignored: reset it to the default before exec'ing the JVM, or the
        // test would depend on how its runner was started (the pid stays the JVM's).
        cmd.addAll(List.of("/usr/bin/python3", "-c",
                "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"));
        cmd.addAll(List.of(java.toString(), "-cp", System.getProperty("java.class.path"), TeardownChild.class.getName(),
                root.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Map<String, String> ready = new HashMap<>();
        StringBuilder out = new StringBuilder();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
                if (line.startsWith("READY ")) {
                    for (String kv : line.substring(6).split(" ")) {
                        String[] p = kv.split("=", 2);
                        ready.put(p[0], p[1]);
                    }
                    break;
                }
            }
            assertFalse(ready.isEmpty(), "child did not get ready:\n" + out);
            // The child's changes are in force, or the test would prove nothing.
            assertEquals("400000000", Sh.read(Path.of("/proc/sys/vm/dirty_bytes")), "child's vm.dirty_bytes");
            if (BlkThrottle.available()) {
                assertEquals(100L << 20, BlkThrottle.writeBps(ready.get("fastBdi")), "child's blk-throttle rule");
            }
            Sh.run("kill", "-s", "INT", "--", wholeGroup ? "-" + child.pid() : Long.toString(child.pid()));
            Thread drain = new Thread(() -> {
                try {
                    String l;
                    while ((l = r.readLine()) != null) {
                        synchronized (out) {
                            out.append(l).append('\n');
                        }
                    }
                } catch (java.io.IOException e) {
                    // child gone
                }
            });
            drain.setDaemon(true);
            drain.start();
            boolean exited = child.waitFor(120, TimeUnit.SECONDS);
            if (!exited) {
                System.out.println("child still running 120 s after SIGINT; its threads:\n"
                        + Sh.run("sh", "-c", "jstack " + child.pid() + " 2>&1 | head -150 || true"));
            }
            assertTrue(exited, "child did not exit within 120 s of SIGINT:\n" + out);
            drain.join(2000);
        } finally {
            // Never SIGKILL first: that is the one signal after which nothing can be torn down.
            if (child.isAlive()) {
                child.destroy();
                if (!child.waitFor(120, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
        }
        String log;
        synchronized (out) {
            log = out.toString();
        }
        System.out.println("child after SIGINT:\n" + log.lines().filter(l -> l.contains("teardown") || l.contains("restor")
                || l.contains("FAIL") || l.contains("ERROR")).reduce("", (a, b) -> a + b + "\n"));
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(root.toString()),
                "a mount under " + root + " remains:\n" + log);
        String loops = Sh.run("losetup", "-a");
        assertFalse(loops.contains(root.toString()), "a loop device over a file under " + root + " remains: " + loops);
        assertFalse(ProcessHandle.of(Long.parseLong(ready.get("nbdfuse"))).map(ProcessHandle::isAlive).orElse(false),
                "nbdfuse still running");
        assertFalse(ProcessHandle.of(Long.parseLong(ready.get("governor"))).map(ProcessHandle::isAlive).orElse(false),
                "wbgov run still running");
        if (BlkThrottle.available()) {
            assertEquals(0, BlkThrottle.writeBps(ready.get("fastBdi")), "blk-throttle rule left on " + ready.get("fastBdi"));
        }
        // Read under the lock again: once the child released it, another benchmark may have taken
        // it and set vm.dirty_* (they are global), which is not the child's leftover.
        Map<String, String> vmAfter;
        Map<String, String> knobsAfter;
        try (wbgov.bench.rig.MachineLock lock = wbgov.bench.rig.MachineLock.acquire(wbgov.bench.rig.MachineLock.DEFAULT_WAIT_NS)) {
            vmAfter = vm();
            knobsAfter = allBdiKnobs();
        }
        assertEquals(vmBefore, vmAfter, "vm.dirty_* not restored:\n" + log);
        for (Map.Entry<String, String> e : knobsBefore.entrySet()) {
            if (knobsAfter.containsKey(e.getKey())) {
                assertEquals(e.getValue(), knobsAfter.get(e.getKey()), "knobs of bdi " + e.getKey() + " not restored");
            }
        }
    }

    private static Map<String, String> vm() throws java.io.IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : KernelSnapshot.VM_KNOBS) {
            m.put(k, Sh.read(Path.of("/proc/sys/vm", k)));
        }
        return m;
    }

    /** "max_ratio_fine min_ratio_fine strict_limit" of every bdi now. */
    private static Map<String, String> allBdiKnobs() throws java.io.IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try (var dirs = Files.list(Path.of("/sys/class/bdi"))) {
            for (Path d : (Iterable<Path>) dirs.sorted()::iterator) {
                StringBuilder sb = new StringBuilder();
                for (String k : List.of("max_ratio_fine", "min_ratio_fine", "strict_limit")) {
                    Path p = d.resolve(k);
                    sb.append(Files.exists(p) ? Sh.read(p) : "-").append(' ');
                }
                m.put(d.getFileName().toString(), sb.toString().trim());
            }
        }
        return m;
    }
}
