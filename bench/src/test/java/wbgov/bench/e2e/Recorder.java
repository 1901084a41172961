package wbgov.bench.e2e;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import wbgov.bench.rig.BdiStats;

/** Samples the slow chain's bdis, the server's received bytes and a counter at 20 Hz. */
final class Recorder implements AutoCloseable {
    record Row(long ns, long slowHeld, long slowDirty, long slowWb, long fuseHeld, long serverBytes, long fastBytes) {
    }

    private final String slowBdi;
    private final String fuseBdi;
    private final LongSupplier serverBytes;
    private volatile LongSupplier fastBytes = () -> 0;
    private final List<Row> rows = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    Recorder(String slowBdi, String fuseBdi, LongSupplier serverBytes) {
        this.slowBdi = slowBdi;
        this.fuseBdi = fuseBdi;
        this.serverBytes = serverBytes;
        this.thread = new Thread(this::run, "recorder");
        thread.setDaemon(true);
        thread.start();
    }

    void fast(LongSupplier bytes) {
        fastBytes = bytes;
    }

    private void run() {
        long next = System.nanoTime();
        while (running) {
            try {
                BdiStats s = BdiStats.read(slowBdi);
                BdiStats f = BdiStats.read(fuseBdi);
                Row r = new Row(s.nanoTime(), s.heldBytes(), s.dirtyBytes(), s.writebackBytes(), f.heldBytes(),
                        serverBytes.getAsLong(), fastBytes.getAsLong());
                synchronized (rows) {
                    rows.add(r);
                }
            } catch (IOException e) {
                // a bdi gone during teardown
            }
            next += 50_000_000L;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Rows with from ≤ ns ≤ to. */
    List<Row> between(long fromNs, long toNs) {
        List<Row> out = new ArrayList<>();
        synchronized (rows) {
            for (Row r : rows) {
                if (r.ns() - fromNs >= 0 && toNs - r.ns() >= 0) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
