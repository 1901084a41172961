package wbgov.bench.nbd;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import wbgov.nbd.control.ControlClient;

/**
 * Our server's heap allocation per request during one fio job: two readings of its control
 * socket's {@code get stats} ({@code serving_alloc_bytes}, {@code requests}), the first just
 * after fio's ramp, the second a second before fio stops counting.
 */
final class AllocProbe {
    private final long[] first = new long[2];
    private final long[] second = new long[2];
    private final Thread thread;

    private AllocProbe(ServerUnderTest s, NbdOptions o) {
        thread = new Thread(() -> {
            try {
                Thread.sleep(o.rampSeconds() * 1000L + 500); // fio starts counting after its ramp
                read(s, first);
                Thread.sleep((o.runtimeSeconds() - 1) * 1000L);
                read(s, second);
            } catch (Exception e) {
                first[0] = -1;
            }
        }, "bench-alloc-probe");
    }

    /** Starts reading as fio starts. */
    static AllocProbe start(ServerUnderTest s, NbdOptions o) {
        AllocProbe p = new AllocProbe(s, o);
        p.thread.start();
        return p;
    }

    /** Once fio is done: bytes per request between the readings; NaN when a reading failed or no request was served. */
    double bytesPerRequest() throws InterruptedException {
        thread.join();
        return first[0] < 0 || second[1] <= first[1] ? Double.NaN
                : (double) (second[0] - first[0]) / (second[1] - first[1]);
    }

    private static void read(ServerUnderTest s, long[] into) throws IOException {
        String stats = ControlClient.send(s.control, "get stats");
        into[0] = field(stats, "serving_alloc_bytes");
        into[1] = field(stats, "requests");
    }

    /** A {@code key=N} of a {@code get stats} answer. */
    static long field(String stats, String key) throws IOException {
        Matcher m = Pattern.compile("(?:^| )" + key + "=(\\d+)").matcher(stats);
        if (!m.find()) {
            throw new IOException("stats have no " + key + ": " + stats);
        }
        return Long.parseLong(m.group(1));
    }
}
