package wbgov.governor.daemon;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's loop, shared by {@code wbgov run} and the benchmarks: tick the governor every
 * interval on the calling thread until {@link #stop()}.
 *
 * <p>A tick that throws (a device vanished mid-read, an I/O error) is counted and the loop goes
 * on: one bad tick is no reason to stop governing every other device. Each kind of failure
 * (exception class) is logged once, with a line when ticks work again; a run that keeps failing
 * shows in {@link #failedTicks()} and, under systemd, in the missing watchdog pings (the
 * {@link AfterTick} hook is told whether the tick was healthy). The schedule is fixed-rate
 * without catch-up: a late tick moves the next one, it never bursts. The stop flag is volatile
 * and {@link #stop()} unparks the loop, so a stop from a signal or shutdown thread is seen at once.
 * Steady state allocates nothing.
 */
public final class DutyCycle {
    private static final Logger LOG = LoggerFactory.getLogger(DutyCycle.class);

    /** One tick of work: {@link Governor#doWork}. */
    @FunctionalInterface
    public interface Work {
        void tick(long nowNs) throws Exception;
    }

    /** Called after every tick on the loop's thread (watchdog pings, status lines). */
    @FunctionalInterface
    public interface AfterTick {
        void after(long nowNs, boolean healthy);
    }

    private final Work work;
    private final long intervalNs;
    private final AfterTick after;
    private final Set<Class<?>> loggedKinds = new HashSet<>();
    private volatile boolean running = true;
    private volatile Thread loopThread;
    private volatile long failedTicks;
    private volatile Throwable firstError;
    private long failingInARow;

    /** The governor's loop. */
    public DutyCycle(Governor governor, long intervalNs, AfterTick after) {
        this(governor::doWork, intervalNs, after);
    }

    public DutyCycle(Work work, long intervalNs, AfterTick after) {
        if (intervalNs <= 0) {
            throw new IllegalArgumentException("intervalNs must be > 0, got " + intervalNs);
        }
        this.work = work;
        this.intervalNs = intervalNs;
        this.after = after;
    }

    /** Ticks until {@link #stop()}; returns on the calling thread after the last tick. */
    public void run() {
        loopThread = Thread.currentThread();
        long next = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            boolean healthy = tick(now);
            after.after(now, healthy);
            next += intervalNs;
            if (next - now < 0) {
                next = now + intervalNs; // fell behind: do not burst to catch up
            }
            LockSupport.parkNanos(next - System.nanoTime());
        }
    }

    /** One tick: true when it completed, false when it threw (counted, logged once per kind). */
    boolean tick(long nowNs) {
        try {
            work.tick(nowNs);
            if (failingInARow > 0) {
                LOG.info("ticks work again after {} failed tick(s)", failingInARow);
                failingInARow = 0;
            }
            return true;
        } catch (Exception e) {
            failedTicks++;
            failingInARow++;
            if (firstError == null) {
                firstError = e;
            }
            if (loggedKinds.add(e.getClass())) {
                LOG.warn("a tick failed (counted; governing goes on; this kind is logged once): {}", e.toString());
            }
            return false;
        }
    }

    /** Ends the loop after the tick in progress; safe from any thread. */
    public void stop() {
        running = false;
        Thread t = loopThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    public long failedTicks() {
        return failedTicks;
    }

    /** The first failure, or null. */
    public Throwable firstError() {
        return firstError;
    }
}
