package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    @TempDir
    Path dir;

    private static ScenarioResult contention() {
        ScenarioResult s = new ScenarioResult("contention", "fast writer vs slow device", "A steady writer on the slow device.");
        s.param("slow rate", "1 MiB/s").param("fast bytes", "1200 MiB");
        s.metric(Metric.of("P1", "fast writer / solo", "x", Metric.Target.atLeast(0.95)));
        s.metric(Metric.of("P2", "slow device / backend rate", "x", Metric.Target.atLeast(0.95)));
        s.metric(Metric.of("fast_s", "fast writer time", "s"));
        s.add(new RunResult(Configuration.DEFAULTS, null).put("P1", 0.172).put("P2", 0.0).put("fast_s", 24.7));
        s.add(new RunResult(Configuration.WBGOV, null).put("P1", 0.98).put("P2", 0.91).put("fast_s", 4.3));
        s.seconds(61);
        return s;
    }

    @Test
    void numbersKeepAboutThreeDigits() {
        assertEquals("0.17", Report.number(0.172));
        assertEquals("0.0047", Report.number(0.28 / 60));
        assertEquals("24.7", Report.number(24.7));
        assertEquals("1200", Report.number(1200));
        assertEquals("3.00", Report.number(3.0));
        assertEquals("∞", Report.number(Double.POSITIVE_INFINITY));
        assertEquals("—", Report.number(Double.NaN));
        assertEquals("—", Metric.of("k", "l", "s").format(Double.NaN));
        assertEquals("2.50 s", Metric.of("k", "l", "s").format(2.5));
        assertEquals("0.95", Metric.of("k", "l", "x").format(0.95));
    }

    @Test
    void targetTableStatesTargetValuesAndVerdict() {
        String t = Report.targetTable(List.of(Configuration.DEFAULTS, Configuration.WBGOV), List.of(contention()));
        assertEquals("| scenario | metric | target | defaults | wbgov | wbgov meets it? |\n"
                + "| --- | --- | --- | ---: | ---: | --- |\n"
                + "| contention | P1: fast writer / solo | ≥ 0.95 | 0.17 | 0.98 | yes |\n"
                + "| contention | P2: slow device / backend rate | ≥ 0.95 | 0.00 | 0.91 | **no** |\n", t);
    }

    @Test
    void boundsArePrintedAsSuch() {
        Metric p1 = Metric.of("P1", "fast / solo", "x", Metric.Target.atLeast(0.95));
        Metric t = Metric.of("fast_s", "fast", "s");
        RunResult r = new RunResult(Configuration.SMALL_GLOBAL, null).putAtMost("P1", 0.006).putAtLeast("fast_s", 60);
        assertEquals("< 0.0060", Report.cell(p1, r));
        assertEquals("> 60.0 s", Report.cell(t, r));
        assertEquals("not run", Report.cell(t, null));
    }

    @Test
    void aMedianIsPrintedWithItsSpread() {
        Metric p1 = Metric.of("P1", "fast / solo", "x", Metric.Target.atLeast(0.95));
        Metric t = Metric.of("fast_s", "fast", "s");
        RunResult r = new RunResult(Configuration.WBGOV, null).put("fast_s", 0.38).spread("fast_s", 0.36, 0.412)
                .put("P1", 0.5).spread("P1", 0.45, 0.52);
        assertEquals("0.38 s (0.36–0.41)", Report.cell(t, r));
        assertEquals("0.50 (0.45–0.52)", Report.cell(p1, r));
        assertEquals(null, new RunResult(Configuration.WBGOV, null).put("fast_s", 1).spread("fast_s"));
    }

    @Test
    void aWaitForTheMachineLockIsSaidApartFromTheScenarioTime() {
        ScenarioResult s = contention();
        s.lockWaitSeconds(42.4);
        String md = Report.scenarioSection(List.of(Configuration.DEFAULTS, Configuration.WBGOV), s);
        assertTrue(md.contains("`fast bytes` = 1200 MiB. Took 61 s (after 42 s waiting for another run's machine lock).\n\n"),
                md);
    }

    @Test
    void missesArePlainSentences() {
        assertEquals(List.of("contention, P2 (slow device / backend rate): measured 0.91, target ≥ 0.95."),
                Report.misses(List.of(contention())));
        ScenarioResult s = contention();
        s.runs().remove(1);
        RunResult failed = new RunResult(Configuration.WBGOV, null);
        failed.fail("nbdfuse did not mount");
        s.add(failed);
        assertEquals("contention, P1 (fast writer / solo): not measured — the run failed: nbdfuse did not mount.",
                Report.misses(List.of(s)).get(0));
    }

    @Test
    void wholeReportHasEnvironmentSectionsPlotAndCsvLinks() throws Exception {
        ScenarioResult s = contention();
        s.plotFile("contention.png");
        s.run(Configuration.WBGOV).csvFile("contention-wbgov.csv");
        s.run(Configuration.WBGOV).note("2 knob writes failed with EINVAL");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("kernel", "6.18.44");
        String md = Report.render(env, List.of(Configuration.DEFAULTS, Configuration.WBGOV), List.of(s), "Because.");
        assertTrue(md.contains("| kernel | 6.18.44 |"), md);
        assertTrue(md.contains("## Where wbgov misses\n\n- contention, P2"), md);
        assertTrue(md.contains("Parameters: `slow rate` = 1 MiB/s, `fast bytes` = 1200 MiB. Took 61 s."), md);
        assertTrue(md.contains("| metric | target | defaults | wbgov | wbgov / defaults |"), md);
        assertTrue(md.contains("| fast writer time |  | 24.7 s | 4.30 s | 0.17x |"), md);
        assertTrue(md.contains("| P2: slow device / backend rate | ≥ 0.95 | 0.00 | 0.91 | — |"), md);
        assertTrue(md.contains("- wbgov: 2 knob writes failed with EINVAL"), md);
        assertTrue(md.contains("![contention: dirty + writeback and throughput per device](contention.png)"), md);
        assertTrue(md.contains("Time series (CSV): [wbgov](contention-wbgov.csv)"), md);
        assertTrue(md.endsWith("## Closing note\n\nBecause.\n"), md);
    }

    @Test
    void plotIsAPngWithOneRowPerConfiguration() throws Exception {
        Recording a = new Recording("c", "defaults", List.of("slow.dirty_bytes", "slow.writeback_bytes", "slow.written_bytes"));
        Recording b = new Recording("c", "wbgov", List.of("slow.dirty_bytes", "slow.writeback_bytes", "slow.written_bytes"));
        for (int i = 0; i < 50; i++) {
            a.add(i * 0.1, new double[] {i << 20, 1 << 20, i * 100_000.0});
            b.add(i * 0.1, new double[] {1 << 20, 1 << 19, i * 200_000.0});
        }
        b.event(2.0, "rate drops");
        Path png = dir.resolve("c.png");
        Plots.write(png, "contention", List.of(new RunResult(Configuration.DEFAULTS, a), new RunResult(Configuration.WBGOV, b)),
                List.of("slow"), 0.5);
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(1280, img.getWidth());
        assertEquals(36 + 2 * 250, img.getHeight());
    }
}
