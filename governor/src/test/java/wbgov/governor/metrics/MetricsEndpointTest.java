package wbgov.governor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.daemon.PlantGovernor;
import wbgov.nbd.Export;
import wbgov.nbd.backend.FileBackend;

/**
 * {@code --metrics}: a real scrape over HTTP of a governor on a fake kernel and an export,
 * judged by promtool; the OpenMetrics format when the scraper asks for it; the address grammar.
 */
class MetricsEndpointTest {
    @TempDir
    Path tmp;

    @Test
    void aRealScrapePassesPromtoolAndOpenMetricsIsNegotiated() throws Exception {
        try (PlantGovernor p = new PlantGovernor(tmp);
                Export export = Export.builder(FileBackend.memory(1L << 20)).name("disk").build()) {
            p.write("sdb", 50 << 20);
            p.run(3);
            export.stats().latency.record(250);
            try (Metrics m = Metrics.start(MetricsAddress.parse("0"), null, 0, List.of(new ProcessCollector(),
                    new GovernorCollector(p.governor()::snapshot), new ExportCollector(() -> List.of(export))))) {
                String url = m.endpoint().url();
                assertTrue(url.startsWith("http://127.0.0.1:") && m.endpoint().port() > 0, url);
                HttpClient http = HttpClient.newHttpClient();

                HttpResponse<String> text = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, text.statusCode());
                assertTrue(text.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                        text.headers().toString());
                assertFalse(text.body().contains("# EOF"), "Prometheus text has no EOF marker");
                Exposition e = new Exposition(text.body());
                assertNotNull(e.value("wbgov_device_drain_seconds", "device", "sdb"), text.body());
                assertEquals(1.0, e.value("wbgov_build_info"));
                assertNotNull(e.value("wbgov_nbd_request_latency_seconds_bucket", "export", "disk", "le", "+Inf"));
                Path scrape = tmp.resolve("scrape.prom");
                Files.writeString(scrape, text.body());
                var check = Promtool.checkMetrics(scrape);
                assertEquals(0, check.exit(), "promtool check metrics:\n" + check.output() + "\non\n" + text.body());

                HttpResponse<String> om = http.send(HttpRequest.newBuilder(URI.create(url))
                        .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, om.statusCode());
                assertTrue(om.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"),
                        om.headers().toString());
                assertTrue(om.body().endsWith("# EOF\n"), om.body());
                assertTrue(om.body().contains("# TYPE wbgov_device_knob_writes counter"), om.body());

                // A Prometheus with native histograms asks for protobuf first (without the client's
                // exposition-formats jar this answered 500: it must stay on the classpath).
                HttpResponse<String> pb = http.send(HttpRequest.newBuilder(URI.create(url)).header("Accept",
                        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,"
                        + "text/plain;version=0.0.4;q=0.4,*/*;q=0.1").build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, pb.statusCode());
                assertTrue(pb.headers().firstValue("Content-Type").orElse("").startsWith("application/vnd.google.protobuf"),
                        pb.headers().toString());
            }
        }
    }

    @Test
    void addressesAsTyped() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9101), MetricsAddress.parse("9101"));
        assertEquals(new InetSocketAddress("0.0.0.0", 9101), MetricsAddress.parse("0.0.0.0:9101"));
        assertEquals(new InetSocketAddress("::1", 9101), MetricsAddress.parse("[::1]:9101"));
        assertEquals(new InetSocketAddress("127.0.0.1", 9101), MetricsAddress.parse("localhost:9101"));
        for (String bad : List.of("", "x", ":9101", "::1:9101", "[::1]", "[::1]9101", "1.2.3.4:65536", "1.2.3.4:-1")) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse(bad), bad);
            assertTrue(ex.getMessage().startsWith("--metrics " + bad + ":"), ex.getMessage());
        }
    }
}
