package wbgov.governor.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicySet;

/**
 * A governor over {@link FakeKernel} for tests outside this package (the metrics' collectors):
 * a slow disk sdb (1 MiB/s, policy "slow", drain target 2 s) and a fast one sdc (500 MiB/s,
 * "fast"), PSI files in the fake /proc, ticks of 100 ms driven by the test.
 */
public final class PlantGovernor implements AutoCloseable {
    private static final long MIB = 1L << 20;
    private final FakeKernel k;
    private final Governor gov;
    private long now = 1_000_000_000L;

    public PlantGovernor(Path tmp) throws IOException {
        k = new FakeKernel(tmp, 400 * MIB);
        k.plug("sdb", "8:16", 1 * MIB);
        k.plug("sdc", "8:32", 500 * MIB);
        Files.createDirectories(k.proc.resolve("pressure"));
        Files.writeString(k.proc.resolve("pressure/io"), "some avg10=12.50 avg60=3.00 avg300=1.00 total=2500000\n"
                + "full avg10=4.25 avg60=1.00 avg300=0.50 total=1250000\n");
        Files.writeString(k.proc.resolve("pressure/memory"), "some avg10=0.00 avg60=0.00 avg300=0.00 total=42\n"
                + "full avg10=0.00 avg60=0.00 avg300=0.00 total=7\n");
        PolicySet ps = PolicySet.of(List.of(
                Policy.builder("slow").priority(10).names(List.of("sdb")).drainTargetNs(2_000_000_000L)
                        .floorBytes(MIB).ceilingBytes(1L << 30).initialBytes(4 * MIB).strict(true).build(),
                Policy.builder("fast").priority(10).names(List.of("sdc")).drainTargetNs(2_000_000_000L)
                        .floorBytes(8 * MIB).ceilingBytes(1L << 30).initialBytes(64 * MIB).strict(true).build()));
        BdiKnobs knobs = new BdiKnobs(k.sys, k.proc, FakeKernel.PAGE, new KnobJournal(tmp.resolve("state")));
        gov = new Governor(new Governor.Config(60_000_000_000L, 5_000_000_000L, false, false), ps,
                new DeviceScanner(k.sys, k.proc, null), knobs, k.roots());
        gov.start(now);
    }

    public Governor governor() {
        return gov;
    }

    /** Sets how fast a device's writers dirty pages (bytes/s). */
    public void write(String device, double bytesPerSec) {
        k.devices.get(device).dirtyingBytesPerSec = bytesPerSec;
    }

    /** Runs {@code seconds} of plant and daemon, 100 ms a tick. */
    public void run(double seconds) throws IOException {
        for (int i = 0; i < Math.round(seconds * 10); i++) {
            k.step(0.1);
            gov.doWork(now += 100_000_000L);
        }
    }

    /**
     * Heap bytes this thread allocated over {@code ticks} ticks of the daemon alone (the plant
     * does not move: a steady state).
     */
    public long tickAllocatedBytes(int ticks) throws IOException {
        return tickAllocatedBytes(ticks, 0);
    }

    /**
     * As {@link #tickAllocatedBytes(int)}, parking {@code gapNs} after each tick (allocation-free):
     * a duty cycle leaves the rest of its interval to readers, whose snapshots are read between
     * ticks (Governor's StampedLock); back to back, a tick runs all the time and a reader never
     * gets a whole tick to read.
     */
    public long tickAllocatedBytes(int ticks, long gapNs) throws IOException {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < ticks; i++) {
            gov.doWork(now += 100_000_000L);
            if (gapNs > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(gapNs);
            }
        }
        return mx.getThreadAllocatedBytes(tid) - before;
    }

    @Override
    public void close() {
        gov.restore();
        gov.close();
    }
}
