package wbgov.nbd.stats;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import wbgov.nbd.Export;

/**
 * Heap bytes allocated by the threads that serve requests (every thread named "nbd-…":
 * connection threads, an export's service-time thread, the acceptor; not the control thread), over a number of
 * requests: the proof of "no allocation per request", for tests and the bench. Not for the
 * request path itself (it allocates while it measures, on the caller's thread).
 */
public final class ServingAllocation {
    /** Thread-name prefix of every serving thread. */
    public static final String THREAD_PREFIX = "nbd-";
    /** The control socket's thread: it allocates to answer, and is not on the request path. */
    public static final String CONTROL_THREAD = "nbd-control";

    private ServingAllocation() {
    }

    /** Bytes allocated by serving threads, the requests they completed, and how many threads. */
    public record Measurement(long bytes, long requests, int threads) {
        public double bytesPerRequest() {
            return requests == 0 ? Double.NaN : (double) bytes / requests;
        }
    }

    private static long[] servingThreadIds() {
        // Enumerate through the root thread group: unlike Thread.getAllStackTraces() this takes
        // no safepoint, so polling stats does not pause the serving threads.
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] all = new Thread[root.activeCount() + 16];
        int count = root.enumerate(all, true);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Thread t = all[i];
            if (t.getName().startsWith(THREAD_PREFIX) && !t.getName().equals(CONTROL_THREAD)) {
                threads.add(t);
            }
        }
        long[] ids = new long[threads.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = threads.get(i).getId();
        }
        return ids;
    }

    /**
     * Heap bytes allocated so far by the serving threads alive now (cumulative; threads that
     * ended are not counted). Two readings during one client's run give bytes per request.
     */
    public static long allocatedBytesNow() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(servingThreadIds())) {
            if (b > 0) {
                sum += b;
            }
        }
        return sum;
    }

    /**
     * Measures over the next {@code requests} completions of {@code export} (a client must be
     * driving it), or until {@code timeoutMs}. Threads are the serving threads alive at the start.
     */
    public static Measurement measure(Export export, long requests, long timeoutMs) throws InterruptedException {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = servingThreadIds();
        long[] before = mx.getThreadAllocatedBytes(ids);
        long r0 = export.stats().requestsCompleted.get();
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (export.stats().requestsCompleted.get() - r0 < requests && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        long[] after = mx.getThreadAllocatedBytes(ids);
        long r1 = export.stats().requestsCompleted.get();
        long bytes = 0;
        for (int i = 0; i < ids.length; i++) {
            if (before[i] >= 0 && after[i] >= 0) { // -1: the thread ended meanwhile
                bytes += after[i] - before[i];
            }
        }
        return new Measurement(bytes, r1 - r0, ids.length);
    }
}
