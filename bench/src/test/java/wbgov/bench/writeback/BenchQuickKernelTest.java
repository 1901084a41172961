package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import wbgov.bench.rig.BlkThrottle;
import wbgov.bench.rig.GovernorProcess;
import wbgov.bench.rig.KernelSnapshot;
import wbgov.bench.rig.MachineLock;
import wbgov.bench.rig.Teardown;
import wbgov.nbd.testing.Peers;

/**
 * The harness end to end on the real kernel, so it cannot rot: the whole {@code bench --quick},
 * every scenario under every configuration (real devices, knobs, the in-process governor, the
 * daemon as its own process, the report, CSVs, plots), about 4 minutes on two cores. Asserts
 * what was produced and that nothing was left behind — {@code vm.dirty_*}, every bdi's knobs,
 * blk-throttle rules, mounts, loop devices, processes — never a timing or a target: targets
 * live in the report, and a benchmark that fails the build on a slow day teaches people to
 * ignore it.
 *
 * <p>The machine lock is held for the whole test (the bench takes it again per scenario; it is
 * re-entrant in one JVM), so that another run's knobs cannot pass for ours in the before/after
 * comparison. The time-out is generous because that lock may first have to be waited for.
 */
class BenchQuickKernelTest {
    /** What one scenario's CSVs must hold: recorded devices, NBD exports and writers, and at least this many lines. */
    private record Expect(List<String> devices, List<String> exports, List<String> writers, List<String> otherColumns,
            int minLines, boolean plot) {
    }

    private static final Map<String, Expect> EXPECT = Map.of(
            "contention", new Expect(List.of("slow", "slow_fuse", "fast"), List.of("slow"),
                    List.of("slow_writer", "fast_writer"), List.of(), 50, true),
            "speed-change", new Expect(List.of("slow", "slow_fuse"), List.of("slow"), List.of("writer"), List.of(), 100, true),
            "burst", new Expect(List.of("slow", "slow_fuse", "fastnbd", "fastnbd_fuse"), List.of("slow", "fastnbd"),
                    List.of("slow_writer", "burst_writer"), List.of(), 40, true),
            "two-slow", new Expect(List.of("a", "a_fuse", "b", "b_fuse", "fast"), List.of("a", "b"),
                    List.of("writer_a", "writer_b", "writer_fast"), List.of(), 60, true),
            "sync-wait", new Expect(List.of("slow", "slow_fuse", "fast"), List.of("slow"),
                    List.of("slow_writer", "fast_writer"), List.of(), 30, true),
            "drain", new Expect(List.of("slow", "slow_fuse", "fast"), List.of("slow"), List.of("fast_writer", "copy"),
                    List.of(), 30, true),
            "overhead", new Expect(List.of(), List.of(), List.of(), List.of("daemon.cpu_seconds", "daemon.ticks"), 5, false));

    /** The targets table's rows: scenario and metric key. */
    private static final List<String> TARGET_ROWS = List.of("contention | P1", "contention | P2", "speed-change | P3_p99",
            "speed-change | P5", "burst | P4_accept", "burst | P4_durable", "two-slow | P6", "overhead | cpu_pct");

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path out;

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void quickRunsEveryScenarioProducesReportCsvsAndPlotsAndLeavesNothingBehind() throws Exception {
        Peers.requireRoot();
        Peers.requireTool("nbdfuse", "libnbd-bin");
        Peers.requireTool("fusermount3", "fuse3");
        Peers.requireTool("losetup", "util-linux");
        Peers.requireTool("mkfs.ext4", "e2fsprogs");
        Peers.require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing (FUSE)");
        Peers.require(Files.isDirectory(Path.of("/sys/kernel/debug/bdi")) || Files.isDirectory(Path.of("/sys/kernel/debug")),
                "debugfs is not available (/sys/kernel/debug)");

        Path home = GovernorProcess.defaultHome();
        WritebackBench.Options o = WritebackBench.parse(new String[] {"--quick", "--out", out.toString()}, home);
        assertEquals(List.copyOf(WritebackBench.SCENARIOS.keySet()), o.scenarios());
        assertEquals(EXPECT.keySet(), WritebackBench.SCENARIOS.keySet().stream().collect(java.util.stream.Collectors.toSet()));
        int exit;
        Map<String, String> vmBefore;
        Map<String, String> vmAfter;
        Map<String, Map<String, String>> bdisBefore;
        Map<String, Map<String, String>> bdisAfter;
        String throttleBefore;
        String throttleAfter;
        try (MachineLock lock = MachineLock.acquire(MachineLock.DEFAULT_WAIT_NS)) {
            vmBefore = vm();
            bdisBefore = bdiKnobs();
            throttleBefore = throttleRules();
            exit = WritebackBench.run(o, home);
            vmAfter = vm();
            bdisAfter = bdiKnobs();
            throttleAfter = throttleRules();
        }

        String report = Files.readString(out.resolve("report.md"));
        assertEquals(0, exit, report);
        assertFalse(report.contains("failed"), report);
        assertFalse(report.contains("NOT back"), report);
        for (String row : TARGET_ROWS) {
            String line = report.lines().filter(l -> l.startsWith("| " + row + ": ")).findFirst().orElse(null);
            assertNotNull(line, "targets table row '" + row + "' missing:\n" + report);
            assertFalse(line.contains("| — |"), "a configuration measured nothing: " + line);
            if (!row.startsWith("overhead")) {
                assertFalse(line.contains("not run"), line);
            }
        }
        for (Map.Entry<String, Expect> e : EXPECT.entrySet()) {
            String name = e.getKey();
            Expect x = e.getValue();
            assertTrue(report.contains("\n## Scenario: " + name + " — "), "section of " + name + " missing:\n" + report);
            List<Configuration> configs = name.equals("overhead") ? List.of(Configuration.WBGOV) : List.of(Configuration.values());
            for (Configuration c : configs) {
                checkCsv(out.resolve(name + "-" + c.id() + ".csv"), x);
                assertTrue(Files.exists(out.resolve(name + "-" + c.id() + ".events.csv")), name + "-" + c.id() + ".events.csv");
                assertTrue(report.contains("[" + c.id() + "](" + name + "-" + c.id() + ".csv)"), "CSV link " + name + " " + c.id());
            }
            if (x.plot()) {
                checkPng(out.resolve(name + ".png"));
                assertTrue(report.contains("![" + name + ": dirty + writeback and throughput per device](" + name + ".png)"),
                        "plot link of " + name);
            }
        }

        assertEquals(vmBefore, vmAfter, "vm.dirty_* not restored");
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> b : bdisBefore.entrySet()) {
            Map<String, String> now = bdisAfter.get(b.getKey());
            if (now != null && !now.equals(b.getValue())) {
                changed.add(b.getKey() + ": " + b.getValue() + " → " + now);
            }
        }
        assertEquals(List.of(), changed, "bdi knobs not restored");
        assertEquals(throttleBefore, throttleAfter, "blk-throttle rules not removed");
        assertEquals(List.of(), Teardown.pending(), "rigs still registered for teardown");
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            assertFalse(l.contains("wbgov-bench-"), "left mounted: " + l);
        }
        assertEquals(List.of(), benchLoopDevices(), "loop devices left attached");
        List<String> children = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
        assertEquals(List.of(), children, "processes left running");
    }

    private static void checkCsv(Path csv, Expect x) throws IOException {
        assertTrue(Files.exists(csv), csv + " missing");
        List<String> lines = Files.readAllLines(csv);
        assertTrue(lines.size() > x.minLines(), csv + " has " + lines.size() + " lines, more than " + x.minLines() + " expected");
        List<String> header = Arrays.asList(lines.get(0).split(","));
        List<String> want = new ArrayList<>(List.of("t_s"));
        for (String d : x.devices()) {
            want.addAll(List.of(d + ".dirty_bytes", d + ".writeback_bytes", d + ".written_bytes", d + ".max_bytes",
                    d + ".completion_bytes_per_s"));
        }
        for (String e : x.exports()) {
            want.addAll(List.of(e + "." + Recording.BACKEND_WRITTEN, e + "." + Recording.BACKEND_RATE));
        }
        for (String w : x.writers()) {
            want.add(w + "." + Recording.PROGRESS);
        }
        want.addAll(x.otherColumns());
        for (String c : want) {
            assertTrue(header.contains(c), csv + ": no column " + c + " in " + header);
        }
        for (String l : lines.subList(1, lines.size())) {
            assertEquals(header.size(), l.split(",", -1).length, csv + ": a row of another width: " + l);
        }
    }

    private static void checkPng(Path png) throws IOException {
        assertTrue(Files.exists(png), png + " missing");
        try (InputStream in = Files.newInputStream(png)) {
            assertTrue(Arrays.equals(PNG_SIGNATURE, in.readNBytes(8)), png + " does not start with the PNG signature");
        }
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertNotNull(img, png + " is not a readable image");
        assertTrue(img.getWidth() > 100 && img.getHeight() > 100, png + ": " + img.getWidth() + "x" + img.getHeight());
    }

    private static Map<String, String> vm() throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String k : KernelSnapshot.VM_KNOBS) {
            m.put(k, Files.readString(Path.of("/proc/sys/vm", k)).trim());
        }
        return m;
    }

    /**
     * Every bdi's own knobs (ratios, fine ratios, strict_limit), read only. max_bytes and
     * min_bytes are views of the ratios through the global limit, so the ratios are what is
     * compared.
     */
    private static Map<String, Map<String, String>> bdiKnobs() throws IOException {
        Map<String, Map<String, String>> all = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/sys/class/bdi"))) {
            for (Path b : ds) {
                Map<String, String> m = new TreeMap<>();
                for (String k : List.of("min_ratio", "max_ratio", "min_ratio_fine", "max_ratio_fine", "strict_limit")) {
                    try {
                        m.put(k, Files.readString(b.resolve(k)).trim());
                    } catch (IOException e) {
                        // absent on this kernel, or the bdi went away while reading
                    }
                }
                all.put(b.getFileName().toString(), m);
            }
        }
        return all;
    }

    private static String throttleRules() throws IOException {
        return BlkThrottle.available() ? Files.readString(BlkThrottle.WRITE_BPS) : "";
    }

    /** Loop devices whose backing file lies in a bench work directory. */
    private static List<String> benchLoopDevices() throws IOException {
        List<String> left = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path d : ds) {
                Path f = d.resolve("loop/backing_file");
                try {
                    String backing = Files.readString(f).trim();
                    if (backing.contains("wbgov-bench-")) {
                        left.add(d.getFileName() + " → " + backing);
                    }
                } catch (IOException e) {
                    // not attached
                }
            }
        }
        return left;
    }
}
