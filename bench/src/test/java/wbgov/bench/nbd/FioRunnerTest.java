package wbgov.bench.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class FioRunnerTest {
    private static final NbdOptions QUICK = new NbdOptions(true, 1, Path.of("/out"), 64L << 20);

    @Test
    void timedJobsRunAfterARampUntimedOnesTheWholeSize() {
        FioJob j = FioJob.JOBS.get(0);
        assertEquals(List.of("/usr/bin/fio", "--name=randwrite-4k-d32-r1", "--ioengine=nbd", "--uri=nbd+unix:///?socket=/s",
                "--rw=randwrite", "--bs=4k", "--iodepth=32", "--size=67108864", "--output-format=json",
                "--output=/out/x.json", "--time_based", "--runtime=3", "--ramp_time=1"),
                FioRunner.command(Path.of("/usr/bin/fio"), QUICK, "nbd+unix:///?socket=/s", j, "randwrite-4k-d32-r1", true,
                        Path.of("/out/x.json")));
        assertEquals(List.of("/usr/bin/fio", "--name=prefill", "--ioengine=nbd", "--uri=u", "--rw=write", "--bs=1M",
                "--iodepth=8", "--size=67108864", "--output-format=json", "--output=/out/p.json"),
                FioRunner.command(Path.of("/usr/bin/fio"), QUICK, "u", FioJob.PREFILL, "prefill", false, Path.of("/out/p.json")));
    }

    @Test
    void statsFieldsAreReadByExactKey() throws IOException {
        String stats = "requests=1200 limit_inflight_bytes=65536 inflight_bytes=8192 serving_alloc_bytes=4096\n";
        assertEquals(1200, AllocProbe.field(stats, "requests"));
        assertEquals(8192, AllocProbe.field(stats, "inflight_bytes"));
        assertEquals(4096, AllocProbe.field(stats, "serving_alloc_bytes"));
        assertThrows(IOException.class, () -> AllocProbe.field(stats, "alloc_bytes"));
    }

    @Test
    void targetsAreTheIssue3Ones() {
        assertEquals(List.of(0.8, 0.8, 0.0, 1.0), FioJob.JOBS.stream().map(FioJob::target).toList());
    }
}
