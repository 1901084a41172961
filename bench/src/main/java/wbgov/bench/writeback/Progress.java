package wbgov.bench.writeback;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Progress lines on stderr while the bench runs: one line per step, and while waiting on
 * something long (a writer, a sync) one line every few seconds saying what and how far. A
 * benchmark that is silent for minutes gets killed by the person waiting for it.
 *
 * <p>Lines are written by a thread of their own, never by the caller: under a small global
 * {@code vm.dirty_bytes} held by a 1 MiB/s device every writer on the machine is throttled,
 * stderr redirected to a file included, and a caller blocked in that write for seconds would
 * overrun the very time-outs it is printing about (a 10 s cut-off measured 15 s).
 */
public final class Progress {
    private final PrintStream out;
    private final long startNs = System.nanoTime();
    private final long everyNs;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread printer;
    private int pending;

    public Progress(PrintStream out, long everyNs) {
        this.out = out;
        this.everyNs = everyNs;
        this.printer = new Thread(this::print, "bench-progress");
        printer.setDaemon(true);
        printer.start();
    }

    public static Progress stderr() {
        return new Progress(System.err, 5_000_000_000L);
    }

    public void line(String fmt, Object... args) {
        String l = String.format(Locale.ROOT, "[%6.1fs] %s", (System.nanoTime() - startNs) / 1e9, String.format(Locale.ROOT, fmt, args));
        synchronized (this) {
            pending++;
        }
        lines.add(l);
    }

    private void print() {
        while (true) {
            String l;
            try {
                l = lines.take();
            } catch (InterruptedException e) {
                return;
            }
            out.println(l);
            out.flush();
            synchronized (this) {
                pending--;
                notifyAll();
            }
        }
    }

    /** Waits up to {@code timeoutMs} until every line so far is written (before the JVM exits). */
    public synchronized void flush(long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (pending > 0 && System.currentTimeMillis() < end) {
            wait(Math.max(1, end - System.currentTimeMillis()));
        }
    }

    /**
     * Waits until {@code done} or {@code timeoutNs}, printing {@code what} and {@code status}
     * every few seconds. Returns whether it was done.
     */
    public boolean await(String what, BooleanSupplier done, Supplier<String> status, long timeoutNs)
            throws InterruptedException {
        long start = System.nanoTime();
        long next = start + everyNs;
        while (!done.getAsBoolean()) {
            long now = System.nanoTime();
            if (now - start - timeoutNs > 0) {
                return false;
            }
            if (now - next >= 0) {
                line("  … %s: %s (%.0f s)", what, status.get(), (now - start) / 1e9);
                next = now + everyNs;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /** Sleeps {@code seconds}, printing {@code what} every few seconds. */
    public void sleep(String what, double seconds, Supplier<String> status) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        await(what, () -> System.nanoTime() - end >= 0, status, Long.MAX_VALUE);
    }
}
