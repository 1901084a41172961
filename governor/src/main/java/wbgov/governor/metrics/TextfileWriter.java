package wbgov.governor.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --metrics-textfile PATH}: the same metrics, in the Prometheus text format, written
 * for node_exporter's textfile collector every interval, on a thread of its own (never the
 * duty cycle's). node_exporter reads the file at any moment, so it is never seen half written:
 * the text goes to {@code PATH.tmp} in the same directory (so the rename stays on one file
 * system; node_exporter reads only {@code *.prom}, so it never reads the temporary file) and is
 * renamed over PATH. Not fsync'd: after a crash a stale or missing file is what node_exporter
 * should see anyway. On a clean stop the file is removed, so that a stopped daemon's last
 * numbers do not go on looking current. A failed write is logged once (and again after it
 * recovered) and retried at the next interval.
 */
public final class TextfileWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TextfileWriter.class);

    private final Path file;
    private final Path tmp;
    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final ScheduledExecutorService thread;
    private String lastError;

    private TextfileWriter(Path file, PrometheusRegistry registry, ScheduledExecutorService thread) {
        this.file = file.toAbsolutePath();
        this.tmp = this.file.resolveSibling(this.file.getFileName() + ".tmp");
        this.registry = registry;
        this.thread = thread;
    }

    /** Writes {@code file} now and then every {@code intervalNs}, until {@link #close}. */
    public static TextfileWriter start(Path file, long intervalNs, PrometheusRegistry registry) {
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "wbgov-metrics-textfile");
            th.setDaemon(true);
            return th;
        });
        TextfileWriter w = new TextfileWriter(file, registry, t);
        t.scheduleAtFixedRate(w::writeLogged, 0, intervalNs, TimeUnit.NANOSECONDS);
        return w;
    }

    /** For tests: a writer that writes only when {@link #write} is called. */
    static TextfileWriter manual(Path file, PrometheusRegistry registry) {
        return new TextfileWriter(file, registry, null);
    }

    private void writeLogged() {
        try {
            write();
            if (lastError != null) {
                LOG.info("metrics textfile {} written again", file);
                lastError = null;
            }
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage();
            if (!String.valueOf(msg).equals(lastError)) {
                LOG.warn("cannot write the metrics textfile {}: {} (retrying every interval)", file, msg);
                lastError = String.valueOf(msg);
            }
        }
    }

    /** One scrape, written to the temporary file and renamed over the file. */
    void write() throws IOException {
        try (OutputStream out = Files.newOutputStream(tmp)) {
            writer.write(out, registry.scrape());
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Stops writing and removes the file. */
    @Override
    public void close() {
        if (thread != null) {
            thread.shutdown();
            try {
                thread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot remove the metrics textfile {}: {}", file, e.getMessage());
        }
    }
}
