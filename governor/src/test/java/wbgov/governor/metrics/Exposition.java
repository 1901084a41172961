package wbgov.governor.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape as the tests read it: the Prometheus text format parsed into samples (name, labels,
 * value). Only what the client's writer produces is parsed (no escapes beyond \" \\ \n, no
 * timestamps): the format itself is promtool's to check.
 */
final class Exposition {
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    final String text;
    final List<Sample> samples = new ArrayList<>();

    Exposition(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = brace >= 0 ? line.indexOf(' ', line.lastIndexOf('}')) : line.indexOf(' ');
            String name = line.substring(0, brace >= 0 ? brace : space);
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0) {
                Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}')));
                while (m.find()) {
                    labels.put(m.group(1), m.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
                }
            }
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1).trim().split(" ")[0])));
        }
    }

    /** The text the client's Prometheus writer makes of {@code snapshots}. */
    static Exposition of(MetricSnapshots snapshots) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, snapshots);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Exposition(out.toString(StandardCharsets.UTF_8));
    }

    /** The value of the one sample of {@code name} whose labels include {@code labelPairs}; null when none. */
    Double value(String name, String... labelPairs) {
        Double found = null;
        for (Sample s : samples) {
            if (s.name.equals(name) && has(s, labelPairs)) {
                if (found != null) {
                    throw new AssertionError("more than one sample " + name + " " + List.of(labelPairs) + " in\n" + text);
                }
                found = s.value;
            }
        }
        return found;
    }

    /** Every sample name (as exposed: with _total, _bucket …). */
    Set<String> names() {
        Set<String> n = new LinkedHashSet<>();
        samples.forEach(s -> n.add(s.name));
        return n;
    }

    private static boolean has(Sample s, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (!pairs[i + 1].equals(s.labels.get(pairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
