package wbgov.governor.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.lang.management.ManagementFactory;
import java.util.List;
import wbgov.governor.daemon.Version;

/**
 * What every wbgov process exports ({@code run} and {@code serve}), fixed at start:
 * {@code wbgov_build_info{version}} (always 1) and {@code wbgov_start_time_seconds} (the
 * process's start, seconds since the epoch: a restart shows as a change of it, which the
 * contrib/ alert rules watch).
 */
public final class ProcessCollector implements MultiCollector {
    private final MetricSnapshots snapshots;

    public ProcessCollector() {
        this(Version.get(), ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0);
    }

    ProcessCollector(String version, double startEpochSeconds) {
        snapshots = MetricSnapshots.of(
                new InfoSnapshot(new MetricMetadata("wbgov_build", "wbgov's version"),
                        List.of(new InfoDataPointSnapshot(Labels.of("version", version)))),
                new GaugeSnapshot(new MetricMetadata("wbgov_start_time_seconds",
                        "When the process started, seconds since the epoch", Unit.SECONDS),
                        List.of(new GaugeDataPointSnapshot(startEpochSeconds, Labels.EMPTY, null))));
    }

    @Override
    public MetricSnapshots collect() {
        return snapshots;
    }
}
