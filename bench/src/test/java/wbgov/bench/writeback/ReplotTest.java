package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.bench.writeback.PlotsTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplotTest {
    @TempDir
    Path dir;

    @Test
    void replotDrawsAResultDirectorysPlotsFromItsCsvsIntoAnotherDirectory() throws Exception {
        Path results = Files.createDirectory(dir.resolve("results"));
        Recording slow = run("defaults", 60);
        slow.event(20, "rate / 10");
        slow.writeCsv(results.resolve("speed-change-defaults.csv"), 0.5);
        run("static-16M", 30).writeCsv(results.resolve("speed-change-static-16M.csv"), 0.5);
        Path out = dir.resolve("out");
        assertEquals(0, Replot.run(new String[] {results.toString(), "--out", out.toString()}));
        assertEquals(36 + 2 * 250, ImageIO.read(out.resolve("speed-change.png").toFile()).getHeight(),
                "one row per configuration's CSV");
        assertFalse(Files.exists(results.resolve("speed-change.png")), "the result directory is left alone");
        assertEquals(List.of(out.resolve("speed-change.png")), Replot.replot(results, out));
        assertEquals(1, Replot.run(new String[] {Files.createDirectory(dir.resolve("empty")).toString()}));
        assertEquals(2, Replot.run(new String[] {}));
    }
}
