package wbgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics options as a user types them, each command in its own JVM: {@code run --metrics
 * --metrics-textfile} (a dry run: no root, no knob) serves the governor's metrics and writes the
 * textfile, removed by SIGTERM; {@code serve --metrics} serves the server's alone, {@code run
 * --serve} both; a bad address
 * or interval is a usage error (2) before anything starts.
 */
class MetricsCliTest {
    private static final Pattern URL = Pattern.compile("metrics: (http://127\\.0\\.0\\.1:\\d+/metrics)");

    @TempDir
    Path dir;

    @Test
    void runServesTheGovernorsMetricsAndWritesTheTextfile() throws Exception {
        Path pol = Files.createDirectories(dir.resolve("policies"));
        Files.copy(Path.of("..", "policies", "default.toml"), pol.resolve("default.toml"));
        Path textfile = dir.resolve("wbgov.prom");
        try (WbgovProcess run = WbgovProcess.start(dir.resolve("run.log"), Map.of(), "run", "--dry-run", "--policies",
                pol.toString(), "--state-dir", dir.resolve("state").toString(), "--metrics", "0", "--metrics-textfile",
                textfile.toString(), "--metrics-textfile-interval", "1s")) {
            String body = scrape(run);
            // Scraped as soon as the address is known: the devices' first readings come with the first tick.
            long first = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!body.contains("wbgov_device_dirty_bytes{") && System.nanoTime() < first) {
                Thread.sleep(100);
                body = scrape(run);
            }
            for (String name : new String[] {"wbgov_build_info{version=", "wbgov_start_time_seconds ", "wbgov_ticks_total ",
                "wbgov_tick_duration_seconds_bucket{le=\"+Inf\"}", "wbgov_dirty_threshold_bytes ", "wbgov_device_dirty_bytes{"}) {
                assertTrue(body.contains(name), name + " missing from\n" + body);
            }
            assertFalse(body.contains("wbgov_nbd_"), "no server: no server metrics");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(textfile) && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertTrue(Files.readString(textfile).contains("wbgov_ticks_total "), "the textfile has the metrics");
            run.signal("TERM");
            assertTrue(run.process.waitFor(30, TimeUnit.SECONDS), run.output());
            assertEquals(0, run.process.exitValue(), run.output());
            assertFalse(Files.exists(textfile), "SIGTERM removes the textfile:\n" + run.output());
        }
    }

    @Test
    void serveServesTheServersMetricsAlone() throws Exception {
        try (WbgovProcess serve = WbgovProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--no-mlock",
                "--listen", "127.0.0.1:0", "-e", "disk", "--metrics", "127.0.0.1:0", "memory:1M")) {
            String body = scrape(serve);
            assertTrue(body.contains("wbgov_nbd_requests_total{export=\"disk\"} 0"), body);
            assertTrue(body.contains("wbgov_nbd_inflight_limit_requests{export=\"disk\"} 256"), body);
            assertTrue(body.contains("wbgov_build_info{"), body);
            assertFalse(body.contains("wbgov_device_") || body.contains("wbgov_ticks"), "no governor: no governor metrics");
            serve.signal("TERM");
            assertTrue(serve.process.waitFor(30, TimeUnit.SECONDS), serve.output());
            assertEquals(0, serve.process.exitValue(), serve.output());
        }
    }

    @Test
    void runServeExportsBoth() throws Exception {
        Path pol = Files.createDirectories(dir.resolve("policies"));
        Files.copy(Path.of("..", "policies", "nbd.toml"), pol.resolve("nbd.toml"));
        try (WbgovProcess run = WbgovProcess.start(dir.resolve("run.log"), Map.of(), "run", "--dry-run", "--policies",
                pol.toString(), "--state-dir", dir.resolve("state").toString(), "--serve", "memory:1M", "--no-mlock",
                "--listen", "127.0.0.1:0", "-e", "disk", "--metrics", "127.0.0.1:0")) {
            String body = scrape(run);
            assertTrue(body.contains("wbgov_nbd_requests_total{export=\"disk\"} 0"), body);
            assertTrue(body.contains("wbgov_nbd_completion_rate_bytes_per_second{export=\"disk\"}"), body);
            assertTrue(body.contains("wbgov_ticks_total "), body);
            run.signal("TERM");
            assertTrue(run.process.waitFor(30, TimeUnit.SECONDS), run.output());
            assertEquals(0, run.process.exitValue(), run.output());
        }
    }

    @Test
    void badMetricsOptionsAreUsageErrors() throws Exception {
        assertEquals(2, WbgovProcess.run(dir.resolve("a.log"), "run", "--dry-run", "--state-dir",
                dir.resolve("s").toString(), "--metrics", "nope"));
        assertTrue(Files.readString(dir.resolve("a.log")).contains("--metrics nope: expected PORT, HOST:PORT or [IPv6]:PORT"),
                Files.readString(dir.resolve("a.log")));
        assertEquals(2, WbgovProcess.run(dir.resolve("b.log"), "run", "--dry-run", "--state-dir",
                dir.resolve("s").toString(), "--metrics-textfile", dir.resolve("x.prom").toString(),
                "--metrics-textfile-interval", "10ms"));
        assertEquals(2, WbgovProcess.run(dir.resolve("c.log"), "serve", "--no-mlock", "--metrics", "[::1]:99999",
                "memory:1M"));
    }

    /** The endpoint's URL from the command's log line, and one scrape of it. */
    private static String scrape(WbgovProcess p) throws Exception {
        assertTrue(p.awaitOutput("metrics: http://", 60), "no metrics line in\n" + p.output());
        Matcher m = URL.matcher(p.output());
        assertTrue(m.find(), p.output());
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group(1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }
}
