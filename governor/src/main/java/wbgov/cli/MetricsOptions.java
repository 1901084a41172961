package wbgov.cli;

import io.prometheus.metrics.model.registry.MultiCollector;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;
import wbgov.governor.metrics.Metrics;
import wbgov.governor.metrics.MetricsAddress;
import wbgov.nbd.units.Units;

/**
 * The metrics options of {@code run} and {@code serve} (README "Metrics"): a Prometheus
 * endpoint, a textfile for node_exporter, or both; neither by default.
 */
public final class MetricsOptions {
    @Option(names = "--metrics", paramLabel = "ADDR", description = "serve Prometheus metrics at http://ADDR/metrics "
            + "(OpenMetrics when asked): PORT (on 127.0.0.1), HOST:PORT or [IPv6]:PORT; default: off")
    String address;

    @Option(names = "--metrics-textfile", paramLabel = "PATH", description = "write the same metrics to PATH for "
            + "node_exporter's textfile collector (e.g. /var/lib/prometheus/node-exporter/wbgov.prom), atomically, "
            + "every --metrics-textfile-interval; removed on exit")
    Path textfile;

    @Option(names = "--metrics-textfile-interval", paramLabel = "DURATION", description = "how often the textfile is "
            + "rewritten, 1s..1h (default 5s)")
    String textfileInterval = "5s";

    /** Checks the options (a usage error, before anything starts); null address when off. */
    InetSocketAddress httpAddress() {
        return address == null ? null : MetricsAddress.parse(address);
    }

    long textfileIntervalNs() {
        long ns = Units.parseDurationNs("--metrics-textfile-interval", textfileInterval);
        if (ns < 1_000_000_000L || ns > 3_600_000_000_000L) {
            throw new IllegalArgumentException("--metrics-textfile-interval " + textfileInterval + ": expected 1s..1h");
        }
        return ns;
    }

    /** Starts what the options ask for (nothing when neither is given); close it on exit. */
    Metrics start(List<MultiCollector> collectors) throws IOException {
        return Metrics.start(httpAddress(), textfile, textfileIntervalNs(), collectors);
    }
}
