package wbgov.governor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.daemon.PlantGovernor;

/**
 * {@code --metrics-textfile}: a reader never sees a partial file (read in a loop while the
 * writer rewrites a large exposition every few ms), the file parses with promtool, and a clean
 * stop removes it.
 */
class TextfileWriterTest {
    @TempDir
    Path tmp;

    /** 20 000 series (≈ 1 MB) and a last family: a file read half written lacks the last one. */
    private static final class Big implements MultiCollector {
        final AtomicLong scrapes = new AtomicLong();

        @Override
        public MetricSnapshots collect() {
            long n = scrapes.incrementAndGet();
            Family f = Family.gauge("test_series", "Many series", null);
            for (int i = 0; i < 20_000; i++) {
                f.add(n, Labels.of("i", Integer.toString(i)));
            }
            MetricSnapshots.Builder out = MetricSnapshots.builder();
            f.addTo(out);
            Family.gauge("test_zz_last", "Written last", null).add(n, Labels.EMPTY).addTo(out);
            return out.build();
        }
    }

    @Test
    void neverAPartialFile() throws Exception {
        Path file = tmp.resolve("wbgov.prom");
        Big big = new Big();
        int reads = 0;
        try (TextfileWriter w = TextfileWriter.start(file, 2_000_000L, Metrics.registry(List.of(big)))) {
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline || big.scrapes.get() < 20) {
                String text;
                try {
                    text = Files.readString(file, StandardCharsets.UTF_8);
                } catch (NoSuchFileException e) {
                    continue; // before the first write
                }
                reads++;
                Exposition e = new Exposition(text);
                Double last = e.value("test_zz_last");
                assertTrue(last != null, "read " + reads + ": the last family is missing: a partial file");
                assertEquals(20_001, e.samples.size(), "read " + reads);
                // One scrape per file: every series has the last family's value.
                assertTrue(e.samples.stream().allMatch(s -> s.value() == last), "read " + reads + ": two scrapes mixed");
            }
            assertTrue(big.scrapes.get() >= 20 && reads >= 20, big.scrapes.get() + " writes, " + reads + " reads");
        }
        assertFalse(Files.exists(file), "a clean stop removes the file");
        assertFalse(Files.exists(tmp.resolve("wbgov.prom.tmp")));
    }

    @Test
    void theGovernorsTextfileParsesWithPromtool() throws Exception {
        Path file = tmp.resolve("wbgov.prom");
        try (PlantGovernor p = new PlantGovernor(tmp.resolve("plant"))) {
            p.write("sdb", 50 << 20);
            p.run(2);
            TextfileWriter w = TextfileWriter.manual(file, Metrics.registry(List.of(new ProcessCollector(),
                    new GovernorCollector(p.governor()::snapshot))));
            w.write();
            String text = Files.readString(file);
            assertTrue(text.contains("wbgov_device_drain_seconds{"), text);
            var check = Promtool.checkMetrics(file);
            assertEquals(0, check.exit(), "promtool check metrics:\n" + check.output() + "\non\n" + text);
            w.close();
            assertFalse(Files.exists(file));
        }
    }
}
