package wbgov.governor.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics a command exports: one registry of its collectors ({@link GovernorCollector},
 * {@link ExportCollector}, {@link ProcessCollector}), served over HTTP ({@link MetricsEndpoint})
 * and/or written for node_exporter ({@link TextfileWriter}). A registry of our own, not the
 * client's global default: nothing else in the process registers into it by accident.
 */
public final class Metrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);

    private final PrometheusRegistry registry;
    private MetricsEndpoint endpoint;
    private TextfileWriter textfile;

    private Metrics(PrometheusRegistry registry) {
        this.registry = registry;
    }

    /** A registry of {@code collectors}. */
    public static PrometheusRegistry registry(List<MultiCollector> collectors) {
        PrometheusRegistry r = new PrometheusRegistry();
        collectors.forEach(r::register);
        return r;
    }

    /**
     * Starts what is asked: HTTP on {@code http} (null: none), the textfile at {@code textfile}
     * every {@code textfileIntervalNs} (null: none).
     */
    public static Metrics start(InetSocketAddress http, Path textfile, long textfileIntervalNs,
            List<MultiCollector> collectors) throws IOException {
        Metrics m = new Metrics(registry(collectors));
        if (http != null) {
            m.endpoint = MetricsEndpoint.start(http, m.registry);
            LOG.info("metrics: {}", m.endpoint.url());
        }
        if (textfile != null) {
            m.textfile = TextfileWriter.start(textfile, textfileIntervalNs, m.registry);
            LOG.info("metrics: written to {} every {} ms", textfile, textfileIntervalNs / 1_000_000);
        }
        return m;
    }

    /** The HTTP endpoint, null when not asked for. */
    public MetricsEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (textfile != null) {
            textfile.close();
        }
    }
}
