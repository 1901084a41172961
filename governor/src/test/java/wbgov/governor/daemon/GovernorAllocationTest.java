package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.KernelTestSupport;
import wbgov.governor.KernelTestSupport.Loop;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.discover.DeviceKind;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicySet;
import wbgov.nbd.Export;
import wbgov.nbd.backend.FileBackend;

/**
 * The governor's steady-state tick allocates nothing: it runs every 100 ms for the life of the
 * machine, inside the write-out path, with a small fixed heap (STYLE.md §3). Measured with the
 * thread's allocation counter over 1000+ ticks on the real kernel — two loop devices governed
 * with real knobs (one strict, one not, so both the drift-check and relax paths run), every
 * other bdi of the machine sampled, and one NBD export's in-flight limit governed — with the
 * rescan interval set long so discovery (which may allocate) stays out of the window.
 */
class GovernorAllocationTest {
    private static final long TICK_NS = 100_000_000L;
    // The tick time is synthetic (100 ms per call, calls back to back): the counters the
    // samplers read do not move, which is the "nothing changes" steady state, and 6000 ticks
    // (10 min of tick time, 120 drift checks per device) take a few seconds.

    @TempDir
    Path tmp;

    /** Bytes this thread allocated over {@code ticks} ticks from {@code now}; fails if any tick changed a knob. */
    private static long allocatedOver(com.sun.management.ThreadMXBean mx, Governor gov, int ticks, long now)
            throws java.io.IOException {
        long tid = Thread.currentThread().getId();
        int changes = 0;
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < ticks; i++) {
            now += TICK_NS;
            changes += gov.doWork(now);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertEquals(0, changes, "knobs changed in the measured window: not a steady state");
        return allocated;
    }

    @Test
    void steadyStateTickAllocatesNothing() throws Exception {
        KernelTestSupport.requireDebugfs();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        KernelTestSupport.require(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(),
                "this JVM does not count allocation per thread");
        Path a = tmp.resolve("a.img");
        Path b = tmp.resolve("b.img");
        for (Path p : List.of(a, b)) {
            try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(64L << 20);
            }
        }
        try (Loop slow = Loop.attach(a); Loop fast = Loop.attach(b);
                Export export = Export.builder(FileBackend.memory(64L << 20)).name("alloc").build()) {
            // Confined to the two loop devices: other people's devices on this machine are left alone.
            PolicySet policies = PolicySet.of(List.of(
                    Policy.builder("slow").priority(10).kinds(List.of(DeviceKind.LOOP)).names(List.of(slow.name))
                            .drainTargetNs(2_000_000_000L).floorBytes(2L << 20).ceilingBytes(256L << 20)
                            .initialBytes(4L << 20).strict(true).build(),
                    Policy.builder("fast").priority(10).kinds(List.of(DeviceKind.LOOP)).names(List.of(fast.name))
                            .drainTargetNs(5_000_000_000L).floorBytes(16L << 20).ceilingBytes(1L << 30)
                            .initialBytes(64L << 20).strict(false).build(),
                    Policy.builder("nbd").priority(0).names(List.of("none-such")).inflightLatencyNs(20_000_000L)
                            .build()));
            Path state = tmp.resolve("state");
            Files.createDirectories(state);
            BdiKnobs knobs = BdiKnobs.system(new KnobJournal(state));
            Governor gov = new Governor(new Governor.Config(3_600_000_000_000L, 5_000_000_000L,
                    false, false), policies, DeviceScanner.system(), knobs);
            try {
                gov.govern(export);
                long now = System.nanoTime();
                gov.start(now);
                assertEquals("slow", gov.policyOf(slow.bdi));
                assertEquals("fast", gov.policyOf(fast.bdi));
                // Warm up: JIT, the relax ramp of the non-strict device, first drift checks.
                for (int i = 0; i < 10_000; i++) {
                    now += TICK_NS;
                    gov.doWork(now);
                }
                if (System.getProperty("wbgov.jfr") != null) {
                    jdk.jfr.Recording rec = new jdk.jfr.Recording();
                    rec.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
                    rec.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
                    rec.enable("jdk.ObjectAllocationSample").withStackTrace().with("throttle", "100000/s");
                    rec.start();
                    for (int i = 0; i < 20000; i++) {
                        now += TICK_NS;
                        gov.doWork(now);
                    }
                    rec.stop();
                    Path out = tmp.resolve("alloc.jfr");
                    rec.dump(out);
                    java.util.Map<String, Long> by = new java.util.TreeMap<>();
                    for (jdk.jfr.consumer.RecordedEvent e : jdk.jfr.consumer.RecordingFile.readAllEvents(out)) {
                        if (e.getStackTrace() == null) {
                            continue;
                        }
                        StringBuilder sb = new StringBuilder(e.getClass("objectClass").getName());
                        int n = 0;
                        for (jdk.jfr.consumer.RecordedFrame f : e.getStackTrace().getFrames()) {
                            if (n++ > 7) {
                                break;
                            }
                            sb.append(" < ").append(f.getMethod().getType().getName().replaceAll(".*\\.", ""))
                                    .append('.').append(f.getMethod().getName()).append(':').append(f.getLineNumber());
                        }
                        by.merge(sb.toString(), 1L, Long::sum);
                    }
                    by.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).limit(25)
                            .forEach(x -> System.out.println("JFR " + x.getValue() + " " + x.getKey()));
                }
                // Two windows, 1000 and 5000 ticks: per-tick allocation shows as growth between
                // them; what remains is a one-off constant (JIT, lazily initialised JDK internals).
                long small = allocatedOver(mx, gov, 1000, now);
                now += 1000 * TICK_NS;
                long large = allocatedOver(mx, gov, 5000, now);
                now += 5000 * TICK_NS;
                System.out.printf("governor steady state (drift checks every 5 s of tick time): 1000 ticks allocated "
                        + "%d bytes, 5000 ticks %d bytes: %.3f bytes per tick%n", small, large,
                        Math.max(0, large - small) / 4000.0);
                System.out.print(gov.status(false));
                // The allocation-free drift check still sees a drift: someone else moves the knob.
                Path maxBytes = Path.of("/sys/class/bdi", slow.bdi, "max_bytes");
                Files.writeString(maxBytes, Long.toString(64L << 20));
                int fixes = 0;
                // 12 s of tick time: two drift periods, read at least once a second even when quiet.
                // Exactly one write: re-asserted once, and not rewritten again after that.
                for (int i = 0; i < 120; i++) {
                    now += TICK_NS;
                    fixes += gov.doWork(now);
                }
                long kept = Long.parseLong(Files.readString(maxBytes).trim());
                long want = gov.allowanceOf(slow.bdi);
                assertEquals(1, fixes, "the drift was not re-asserted exactly once: max_bytes " + kept + ", the governor "
                        + "wants " + want + ", min_bytes " + Files.readString(Path.of("/sys/class/bdi", slow.bdi, "min_bytes"))
                        .trim() + ", strict_limit " + Files.readString(Path.of("/sys/class/bdi", slow.bdi, "strict_limit"))
                        .trim() + ", knob errors " + gov.knobErrorCount() + "\n" + gov.status(false));
                assertTrue(want > 0 && want < (64L << 20), "the governor's own target for the device: " + want);
                assertTrue(Math.abs(kept - want) < (256L << 10), "max_bytes after re-assert: " + kept + ", wanted " + want);
                // Growth is what a per-tick allocation shows: one 16-byte object a tick is 64 000
                // bytes over the 4000 extra ticks, one every 32 ticks 2000. Below that bound a
                // one-off remains: 272–344 bytes, in about one run in three (2026-11-27, JDK 17,
                // both windows otherwise 0), in either window, never growing with its length.
                assertTrue(large - small <= 1024, "allocation grows with ticks: " + small + " bytes over 1000 ticks, "
                        + large + " over 5000");
                assertTrue(Math.max(small, large) <= 8192, "more than a tiny constant: " + small + " bytes over 1000 "
                        + "ticks, " + large + " over 5000");
            } finally {
                gov.restore();
                gov.close();
            }
        }
    }
}
