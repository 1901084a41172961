package wbgov.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.bench.rig.GovernorProcess;
import wbgov.bench.rig.KernelSnapshot;
import wbgov.bench.rig.RigPeers;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;

/**
 * {@code wbgov run --metrics} on the real kernel: a real daemon (its own JVM) governing a slow
 * NBD device (1 MiB/s, bundled server ← nbdfuse ← loop ← ext4) that a writer keeps full; a scrape
 * of its endpoint shows the slow device's predicted drain time and the allowance in force equal
 * to what {@code wbgov status --json} shows at the same moment. "The same moment": a status, a
 * scrape and a status taken back to back whose tick counts are all the same (each read sees one whole
 * tick, {@code SnapshotReader.consistent}: the same count is the same state, so the values are equal,
 * not near). A tick that judged the device stalled has no drain time in either (status null, the
 * sample left out).
 */
class MetricsEndToEndTest {
    private static final long MIB = 1L << 20;
    private static final double SAME = 1e-9; // both print the double in full; a torn read differed by 0.42 s
    private static final int PAIRS = 5;

    @TempDir
    Path tmp;

    @Test
    void aScrapeShowsWhatStatusShows() throws Exception {
        RigPeers.require();
        Path root = tmp.toAbsolutePath();
        Path policies = ConfinedPolicies.write(GovernorProcess.defaultHome().resolve("policies"), root.resolve("policies"),
                root);
        int port = GovernorProcess.freeLoopbackPort();
        try (SlowNbdDevice slow = SlowNbdDevice.builder(root.resolve("slow")).rateBytesPerSec(MIB).build();
                KernelSnapshot snap = KernelSnapshot.take()) {
            snap.bdi(slow.loopBdi());
            snap.bdi(slow.fuseBdi());
            String bdi = slow.loopBdi();
            try (GovernorProcess gov = GovernorProcess.builder(root.resolve("state")).policies(policies).intervalMs(100)
                    .arg("--metrics").arg("127.0.0.1:" + port).start();
                    Writer w = Writer.startUnbounded(slow.mountPoint().resolve("steady"), Writer.Sync.NONE)) {
                Thread.sleep(8000); // the writer fills the device to its allowance; the rate is measured
                HttpClient http = HttpClient.newHttpClient();
                URI url = URI.create("http://127.0.0.1:" + port + "/metrics");
                int pairs = 0;
                int tries = 0;
                int stalledPairs = 0;
                boolean sawHolding = false;
                // The device's held bytes swing between 0 and its allowance as requests complete:
                // pairs until PAIRS agreed and one of them caught it holding data.
                while (pairs < PAIRS || !sawHolding) {
                    assertTrue(++tries <= 200, "no status, scrape, status of one tick in 200 tries");
                    String before = gov.status(true);
                    String scrape = http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString()).body();
                    String after = gov.status(true);
                    long ticks = GovernorProcess.ticks(before);
                    Double scrapeTicks = sample(scrape, "wbgov_ticks_total", null);
                    assertNotNull(scrapeTicks, "no wbgov_ticks_total in the scrape:\n" + scrape);
                    if (ticks != GovernorProcess.ticks(after) || ticks != scrapeTicks.longValue()) {
                        continue; // a tick in between: not the same moment
                    }
                    String drainStatus = GovernorProcess.deviceField(before, bdi, "drain_seconds");
                    String maxStatus = GovernorProcess.deviceField(before, bdi, "kernel_max_bytes");
                    Double drainScrape = sample(scrape, "wbgov_device_drain_seconds", bdi);
                    Double maxScrape = sample(scrape, "wbgov_device_kernel_max_bytes", bdi);
                    System.out.printf("tick %d: drain %s s (status) vs %s s (scrape); allowance in force %s (status) vs "
                            + "%.0f (scrape)%n", ticks, drainStatus, drainScrape, maxStatus, maxScrape);
                    assertNotNull(drainStatus, "status --json has no drain_seconds for " + bdi + ":\n" + before);
                    assertEquals(Long.parseLong(maxStatus), maxScrape.longValue(),
                            "allowance in force (kernel max_bytes) of " + bdi + " at tick " + ticks);
                    if (drainStatus.equals("null")) {
                        // judged stalled at this tick (no finite drain time): the scrape leaves the sample out
                        assertNull(drainScrape, "status says stalled (drain null) but the scrape has a drain time for "
                                + bdi + ":\n" + scrape);
                        stalledPairs++;
                        Thread.sleep(300);
                        continue;
                    }
                    assertNotNull(drainScrape, "the scrape has no drain time for " + bdi + " but status has "
                            + drainStatus + ":\n" + scrape);
                    pairs++;
                    sawHolding |= drainScrape > 0;
                    assertEquals(Double.parseDouble(drainStatus), drainScrape, SAME,
                            "drain seconds of " + bdi + " at tick " + ticks);
                    assertEquals(2.0, sample(scrape, "wbgov_device_drain_target_seconds", bdi), "loop-remote's target");
                    Thread.sleep(300);
                }
                // a healthy 1 MiB/s device is stalled now and then at most (StallGuard's grace)
                assertTrue(stalledPairs <= pairs, stalledPairs + " stalled readings against " + pairs + " with a drain time");
            } finally {
                slow.setRate(0); // what the writer left is written at memory speed, not 1 MiB/s
            }
        }
    }

    /** The value of a sample of {@code name} (with {@code bdi="…"} when bdi is given); null when absent. */
    private static Double sample(String scrape, String name, String bdi) {
        Pattern p = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$");
        Matcher m = p.matcher(scrape);
        while (m.find()) {
            if (bdi == null || (m.group(1) != null && m.group(1).contains("bdi=\"" + bdi + "\""))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return null;
    }
}
