package wbgov.bench.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NbdReportTest {
    private static final NbdOptions FULL = new NbdOptions(false, 2, Path.of("/out"), 1L << 30);
    private static final NbdReport.Machine VM =
            new NbdReport.Machine("2026-11-25 15:28", "vm", 2, "6.18.44-fc-v657", "Java 17.0.15", "3.33");
    private static final ProcSampler.ServerMemory MEMORY =
            new ProcSampler.ServerMemory(1467L << 10, 1024L << 10, 1208L << 10, 1220L << 10);
    private static final NbdReport.Load LOAD =
            new NbdReport.Load("1.53 2.93 5.55 4/105 617", "5.34 4.15 5.32 5/132 3167", 0.82, 0.95);
    private static final List<String> NOTES = List.of(
            "INFO MemoryLock - memory locked: mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT), VmLck 1461 MiB (address "
                    + "space under lock, reservations included: 437 MiB the process, 1024 MiB memory exports' mappings, "
                    + "pinned as written), resident and pinned now 178 MiB, VmRSS 189 MiB",
            "nbd-server export file: /dev/shm/wbgov-bench-nbd16544205669342185861.img (tmpfs), removed at the end",
            "WARN IoFlusher - PR_SET_IO_FLUSHER refused (EPERM): this process lacks CAP_SYS_RESOURCE. Serving on, but "
                    + "if this machine writes back through this server (a local /dev/nbdX), the server can be throttled "
                    + "by the very dirty limit it must drain. Grant the capability, e.g. systemd "
                    + "AmbientCapabilities=CAP_SYS_RESOURCE CAP_IPC_LOCK, or run with it (capsh/setpriv).");

    /** The best rounds of bench/results/2026-11-25-vm/fio-nbd/, as fio wrote them: IOPS, bytes/s. */
    private static Map<String, Map<String, FioResult>> results2026() {
        double[][] figures = {
            {105287.071293, 431268540, 104397.260274, 427624283, 68497.150285, 280577433},
            {118920.007999, 487109458, 107784.421558, 441497687, 77398.860114, 317038427},
            {102889.111089, 421434208, 48026.39736, 196716533, 39360.063994, 161218822},
            {2897.681855, 3039173064L, 2189.343197, 2296426515L, 1551.079568, 1627158518},
        };
        Map<String, Map<String, FioResult>> results = new LinkedHashMap<>();
        for (int i = 0; i < FioJob.JOBS.size(); i++) {
            double[] f = figures[i];
            Map<String, FioResult> row = new LinkedHashMap<>();
            row.put(ServerUnderTest.OURS, new FioResult(f[0], f[1], 0.0));
            row.put(ServerUnderTest.NBDKIT, new FioResult(f[2], f[3], Double.NaN));
            row.put(ServerUnderTest.NBD_SERVER, new FioResult(f[4], f[5], Double.NaN));
            results.put(FioJob.JOBS.get(i).id(), row);
        }
        return results;
    }

    @Test
    void theCommittedReportOf2026_11_25IsRenderedAgainToTheByte() throws IOException {
        String expected;
        try (InputStream in = NbdReportTest.class.getResourceAsStream("nbd-2026-11-25-vm.md")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(expected, NbdReport.render(FULL, VM, results2026(), MEMORY, LOAD, NOTES));
    }

    @Test
    void quickUnmeasuredAllocationAndAMissedTargetAreSaid() {
        Map<String, Map<String, FioResult>> results = results2026();
        results.get("write-1m-d8").put(ServerUnderTest.OURS, new FioResult(2000, 2.1e9, Double.NaN));
        String md = NbdReport.render(new NbdOptions(true, 1, Path.of("/out"), 64L << 20), VM, results, MEMORY, LOAD, List.of());
        assertTrue(md.contains("exports of 64M in memory, each filled once first; 3 s per job after 1 s ramp (--quick); "
                + "1 round(s) per job"), md);
        assertTrue(md.contains("| 1M sequential write, depth 8 | 2000 | 2100 | 2189 | 2296 | 1551 | 1627 | 0.91x | 1.29x | n/a |"), md);
        assertTrue(md.contains("- 1M sequential write, depth 8: 0.91x the best peer (target 1.0x): **missed**"), md);
        assertTrue(md.contains("`./wbgov serve --unix … memory:64M`"), md);
        assertTrue(md.contains("included).\n\n\nfio's JSON"), md); // no notes
    }
}
