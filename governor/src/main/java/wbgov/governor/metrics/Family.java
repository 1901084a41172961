package wbgov.governor.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;

/**
 * One metric family being filled during a scrape: its name, help and unit, and the data points
 * added so far. A value that is unknown ({@code null}) adds no point: Prometheus shows an absent
 * series, never a -1 that a rule would compare. A family with no point is left out of the scrape.
 * Names are the client's base names: a counter's {@code _total}, a histogram's {@code _bucket},
 * an info's {@code _info} are added by the format writer.
 */
final class Family {
    private enum Type { GAUGE, COUNTER, HISTOGRAM }

    private final Type type;
    private final MetricMetadata meta;
    private final List<GaugeDataPointSnapshot> gauges = new ArrayList<>();
    private final List<CounterDataPointSnapshot> counters = new ArrayList<>();
    private final List<HistogramDataPointSnapshot> histograms = new ArrayList<>();

    private Family(Type type, String name, String help, Unit unit) {
        this.type = type;
        this.meta = new MetricMetadata(name, help, unit);
    }

    /** A gauge; {@code unit} null when the name carries none Prometheus knows (requests, ratios per second). */
    static Family gauge(String name, String help, Unit unit) {
        return new Family(Type.GAUGE, name, help, unit);
    }

    /** A counter, named without {@code _total}. */
    static Family counter(String name, String help, Unit unit) {
        return new Family(Type.COUNTER, name, help, unit);
    }

    static Family histogram(String name, String help, Unit unit) {
        return new Family(Type.HISTOGRAM, name, help, unit);
    }

    /** Adds a point unless {@code value} is null (unknown). */
    Family add(Number value, Labels labels) {
        if (value == null) {
            return this;
        }
        double v = value.doubleValue();
        if (type == Type.COUNTER) {
            counters.add(new CounterDataPointSnapshot(v, labels, null, 0));
        } else if (type == Type.GAUGE) {
            gauges.add(new GaugeDataPointSnapshot(v, labels, null));
        } else {
            throw new IllegalStateException(meta.getName() + " is a histogram");
        }
        return this;
    }

    /** Adds a 0/1 point unless {@code value} is null. */
    Family add(Boolean value, Labels labels) {
        return add(value == null ? null : value ? 1 : 0, labels);
    }

    /**
     * Adds a histogram point: {@code cumulative[i]} observations at or under {@code
     * upperBounds[i]}, and one more entry, the last, for all of them (the +∞ bucket, which
     * is also the count); {@code sum} NaN when unknown (the writer then leaves {@code _sum} out).
     */
    Family addHistogram(double[] upperBounds, long[] cumulative, double sum, Labels labels) {
        if (cumulative.length != upperBounds.length + 1) {
            throw new IllegalArgumentException(meta.getName() + ": " + upperBounds.length + " bounds need "
                    + (upperBounds.length + 1) + " cumulative counts, got " + cumulative.length);
        }
        double[] bounds = java.util.Arrays.copyOf(upperBounds, upperBounds.length + 1);
        bounds[upperBounds.length] = Double.POSITIVE_INFINITY;
        long[] perBucket = new long[cumulative.length];
        long prev = 0;
        for (int i = 0; i < cumulative.length; i++) {
            // max: counters read one by one may show a bucket's count before its neighbour's
            perBucket[i] = Math.max(0, cumulative[i] - prev);
            prev = Math.max(prev, cumulative[i]);
        }
        histograms.add(HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, perBucket))
                .sum(sum).labels(labels).build());
        return this;
    }

    /** Adds this family's snapshot to {@code out} when it has a point. */
    void addTo(MetricSnapshots.Builder out) {
        MetricSnapshot s = switch (type) {
            case GAUGE -> gauges.isEmpty() ? null : new GaugeSnapshot(meta, gauges);
            case COUNTER -> counters.isEmpty() ? null : new CounterSnapshot(meta, counters);
            case HISTOGRAM -> histograms.isEmpty() ? null : new HistogramSnapshot(meta, histograms);
        };
        if (s != null) {
            out.metricSnapshot(s);
        }
    }
}
