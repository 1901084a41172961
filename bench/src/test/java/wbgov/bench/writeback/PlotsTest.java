package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
    @TempDir
    Path dir;

    /** A run of {@code seconds} at 10 Hz: the slow device holding a sawtooth, completing 1 MiB/s. */
    static Recording run(String config, double seconds) {
        Recording r = new Recording("burst", config, List.of("slow.dirty_bytes", "slow.writeback_bytes", "slow.written_bytes"));
        for (int i = 0; i <= seconds * 10; i++) {
            double t = i / 10.0;
            r.add(t, new double[] {(i % 50) << 20, 1 << 20, t * (1 << 20)});
        }
        return r;
    }

    @Test
    void eachConfigurationsPanelsSpanItsOwnRun() throws Exception {
        Recording slow = run("defaults", 180);
        slow.event(0, "slow writer starts");
        Recording quick = run("wbgov", 25);
        quick.event(0, "slow writer starts");
        Path png = dir.resolve("burst.png");
        List<Plots.Panel> panels = Plots.write(png, "burst: test", List.of(new RunResult(Configuration.DEFAULTS, slow),
                new RunResult(Configuration.WBGOV, quick)), List.of("slow"), 0.5);
        assertEquals(4, panels.size());
        for (Plots.Panel p : panels) {
            assertEquals(0, p.tFromSec());
            assertEquals(p.configuration().equals("defaults") ? 180 : 25, p.tToSec(), 1e-9, p.toString());
        }
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img.getHeight() >= 2 * 250, "two rows: " + img.getHeight());
        assertEquals(1280, img.getWidth());
    }

    @Test
    void labelsOfCloseEventsDoNotOverlapInTheDrawnPanel() throws Exception {
        // burst under wbgov: three labels within 0.16 s; contention: 20 events in 7 s of a 53 s run.
        Recording burst = run("wbgov", 25);
        burst.event(0.002, "warm-up burst");
        burst.event(2.104, "daemon restarted: a later run, remembering the device");
        burst.event(2.157, "slow writer starts");
        burst.event(12.19, "burst 1");
        burst.event(16.24, "burst 2");
        Recording contention = run("defaults", 53);
        for (int i = 0; i < 10; i++) {
            contention.event(38 + 0.7 * i, "fast writer " + (i + 1) + " starts");
            contention.event(38.15 + 0.7 * i, "fast writer " + (i + 1) + " synced");
        }
        List<Plots.Panel> panels = Plots.write(dir.resolve("p.png"), "labels", List.of(
                new RunResult(Configuration.DEFAULTS, contention), new RunResult(Configuration.WBGOV, burst)),
                List.of("slow"), 0.5);
        Plots.Panel dense = panels.get(0);
        Plots.Panel sparse = panels.get(2);
        assertTrue(dense.held() && sparse.held());
        assertEquals(20, dense.key().size(), "numbers, keyed under the row");
        assertTrue(sparse.key().isEmpty(), "the burst's words fit");
        assertEquals(5, sparse.labelBoxes().size());
        for (Plots.Panel p : List.of(dense, sparse)) {
            List<Rectangle2D> boxes = p.labelBoxes();
            assertFalse(boxes.isEmpty());
            for (int i = 0; i < boxes.size(); i++) {
                Rectangle2D a = boxes.get(i);
                assertTrue(p.dataArea().contains(a), a + " outside the data area " + p.dataArea());
                for (int j = i + 1; j < boxes.size(); j++) {
                    assertFalse(a.intersects(boxes.get(j)), p.configuration() + ": " + a + " overlaps " + boxes.get(j));
                }
            }
        }
        assertTrue(panels.get(1).labelBoxes().isEmpty(), "the rate panel has lines only");
    }
}
