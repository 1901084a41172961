package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import wbgov.bench.rig.GovernorProcess;
import wbgov.bench.rig.Teardown;
import wbgov.nbd.testing.Peers;

/**
 * The harness end to end on the real kernel, so it cannot rot: {@code bench speed-change
 * --quick} under all four configurations (real devices, knobs, the in-process governor, the
 * report, CSVs, plot). Asserts what was produced and that nothing was left behind, never a
 * timing: targets live in the report, not in tests.
 *
 * <p>Why only speed-change: its length is fixed by its phases (about 2.5 min here), while the
 * other scenarios run as long as the configuration under test makes them (a 64 MiB global limit
 * stalls a burst for a minute). The whole {@code --quick} run takes about 12–15 minutes on two
 * cores, too long for the 15-minute suite; it is run by hand (README) and for the committed
 * report.
 */
class BenchQuickKernelTest {
    @TempDir
    Path out;

    @Test
    @Timeout(600)
    void speedChangeQuickProducesReportCsvsAndPlotAndLeavesNothingBehind() throws Exception {
        Peers.requireRoot();
        Peers.requireTool("nbdfuse", "libnbd-bin");
        Peers.requireTool("fusermount3", "fuse3");
        Peers.requireTool("losetup", "util-linux");
        Peers.requireTool("mkfs.ext4", "e2fsprogs");
        Peers.require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing (FUSE)");
        Peers.require(Files.isDirectory(Path.of("/sys/kernel/debug/bdi")) || Files.isDirectory(Path.of("/sys/kernel/debug")),
                "debugfs is not available (/sys/kernel/debug)");

        Path home = GovernorProcess.defaultHome();
        WritebackBench.Options o = WritebackBench.parse(new String[] {"speed-change", "--quick", "--out", out.toString()}, home);
        int exit = WritebackBench.run(o, home);

        String report = Files.readString(out.resolve("report.md"));
        assertEquals(0, exit, report);
        assertTrue(report.contains("## Scenario: speed-change"), report);
        assertTrue(report.contains("| speed-change | P3_p99: drain time p99 / target | ≤ 1.20 |"), report);
        assertTrue(report.contains("![speed-change: dirty + writeback and throughput per device](speed-change.png)"), report);
        assertFalse(report.contains("failed"), report);
        assertFalse(report.contains("NOT back"), report);
        for (Configuration c : Configuration.values()) {
            Path csv = out.resolve("speed-change-" + c.id() + ".csv");
            List<String> lines = Files.readAllLines(csv);
            assertTrue(lines.size() > 100, csv + " has " + lines.size() + " lines: 10 Hz over ~30 s expected");
            assertTrue(lines.get(0).contains("slow.completion_bytes_per_s"), lines.get(0));
        }
        assertTrue(Files.size(out.resolve("speed-change.png")) > 10_000);
        assertEquals(List.of(), Teardown.pending(), "rigs still registered for teardown");
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            assertFalse(l.contains("wbgov-bench-"), "left mounted: " + l);
        }
    }
}
