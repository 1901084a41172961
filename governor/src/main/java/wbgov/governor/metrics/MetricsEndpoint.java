package wbgov.governor.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code --metrics ADDR}: the Prometheus client's HTTP server on ADDR, serving {@code /metrics}
 * in the Prometheus text format, or OpenMetrics when the scraper's {@code Accept} asks for it
 * (the client negotiates; also the protobuf format, which a Prometheus with native histograms
 * asks for first). One daemon thread answers scrapes one at a time: the collectors build every value at
 * scrape time, and a burst of scrapes must not multiply what the daemon's fixed heap holds.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HTTPServer server;
    private final InetSocketAddress address;

    private MetricsEndpoint(HTTPServer server, InetSocketAddress address) {
        this.server = server;
        this.address = address;
    }

    /** Listens on {@code address} (port 0: any free port) until {@link #close}. */
    public static MetricsEndpoint start(InetSocketAddress address, PrometheusRegistry registry) throws IOException {
        ExecutorService one = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "wbgov-metrics-http");
            t.setDaemon(true);
            return t;
        });
        try {
            HTTPServer s = HTTPServer.builder().inetAddress(address.getAddress()).port(address.getPort())
                    .registry(registry).executorService(one).buildAndStart();
            return new MetricsEndpoint(s, new InetSocketAddress(address.getAddress(), s.getPort()));
        } catch (IOException | RuntimeException e) {
            one.shutdownNow();
            throw new IOException("--metrics " + hostPort(address) + ": cannot listen: " + e.getMessage(), e);
        }
    }

    /** The port it listens on (the one chosen, for port 0). */
    public int port() {
        return address.getPort();
    }

    /** {@code http://127.0.0.1:9101/metrics}, {@code http://[::1]:9101/metrics}. */
    public String url() {
        return "http://" + hostPort(address) + "/metrics";
    }

    private static String hostPort(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
