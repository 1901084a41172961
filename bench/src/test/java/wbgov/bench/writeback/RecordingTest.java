package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingTest {
    @TempDir
    Path dir;

    @Test
    void csvHasEveryColumnThenDerivedRatesAndEventsBeside() throws Exception {
        Recording r = new Recording("burst", "wbgov", List.of("slow.dirty_bytes", "slow.writeback_bytes",
                "slow.dirtied_bytes", "slow.written_bytes", "slow.backend_written_bytes", "w1.progress_bytes"));
        r.add(0.0, new double[] {0, 0, 0, 0, 0, 0});
        r.add(0.5, new double[] {1024, 0, 2048, 512, 256, 4096});
        r.add(1.0, new double[] {Double.NaN, 4, 4096, 1024, 512, 8192});
        r.event(0.25, "writer \"w1\" starts");
        Path csv = dir.resolve("burst-wbgov.csv");
        r.writeCsv(csv, 0.5);
        assertEquals(List.of(
                "t_s,slow.dirty_bytes,slow.writeback_bytes,slow.dirtied_bytes,slow.written_bytes,slow.backend_written_bytes,"
                        + "w1.progress_bytes,slow.dirtying_bytes_per_s,slow.completion_bytes_per_s,w1.write_bytes_per_s",
                "0.000,0,0,0,0,0,0,0,0,0",
                "0.500,1024,0,2048,512,256,4096,4096,512,8192",
                "1.000,,4,4096,1024,512,8192,4096,512,8192"), Files.readAllLines(csv));
        assertEquals(List.of("t_s,event", "0.250,\"writer \"\"w1\"\" starts\""),
                Files.readAllLines(dir.resolve("burst-wbgov.events.csv")));
    }

    @Test
    void readCsvGivesBackTheRecordedColumnsAndEvents() throws Exception {
        Recording r = new Recording("burst", "wbgov", List.of("slow.dirty_bytes", "slow.written_bytes", "w1.progress_bytes"));
        r.add(0.0, new double[] {0, 0, 0});
        r.add(0.5, new double[] {1024, Double.NaN, 4096});
        r.event(0.25, "writer \"w1\", starts");
        Path csv = dir.resolve("burst-wbgov.csv");
        r.writeCsv(csv, 0.5);
        Recording back = Recording.readCsv(csv, "burst", "wbgov");
        assertEquals(r.columns(), back.columns(), "the derived rates are left out");
        assertArrayEquals(r.time(), back.time());
        assertArrayEquals(r.column("slow.dirty_bytes"), back.column("slow.dirty_bytes"));
        assertTrue(Double.isNaN(back.column("slow.written_bytes")[1]));
        assertEquals(r.events(), back.events());
    }

    @Test
    void subjectsAndColumnsByName() {
        Recording r = new Recording("s", "c", List.of("fast.dirty_bytes", "slow.dirty_bytes", "fast.written_bytes"));
        assertEquals(List.of("fast", "slow"), r.subjects());
        r.add(1, new double[] {1, 2, 3});
        assertEquals(3.0, r.column("fast.written_bytes")[0]);
        assertThrows(IllegalArgumentException.class, () -> r.column("nope"));
        assertThrows(IllegalArgumentException.class, () -> r.add(2, new double[] {1}));
    }

    @Test
    void cellsAreIntegersOrOneDecimal() {
        assertEquals("", Recording.cell(Double.NaN));
        assertEquals("16777216", Recording.cell(16777216));
        assertEquals("1.5", Recording.cell(1.5));
    }
}
