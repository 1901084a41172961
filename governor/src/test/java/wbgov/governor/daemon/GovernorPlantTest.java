package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.memory.DeviceMemory;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicySet;

/**
 * The whole daemon — discovery, sampling, the law, the strict flip, the global cap, the reserve,
 * the drift check, the journal, hot-plug — closed over {@link FakeKernel}, without root. The
 * real-kernel tests prove the plumbing; this proves every knob decision, tick by tick.
 */
class GovernorPlantTest {
    private static final long TICK_NS = 100_000_000L;
    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    private FakeKernel k;
    private Governor gov;
    private long now = 1_000_000_000L;

    private static Policy policy(String name, List<String> devices, long floor, long initial) {
        return Policy.builder(name).priority(10).names(devices).drainTargetNs(2_000_000_000L)
                .floorBytes(floor).ceilingBytes(1L << 30).initialBytes(initial).strict(true).build();
    }

    private Governor start(long threshBytes) throws Exception {
        k = new FakeKernel(tmp, threshBytes);
        k.plug("sdb", "8:16", 1 * MIB);
        k.plug("sdc", "8:32", 500 * MIB);
        return restart(null);
    }

    /** A new daemon over the same plant and journal, remembering devices in {@code memory} (or not). */
    private Governor restart(DeviceMemory memory) throws Exception {
        PolicySet ps = PolicySet.of(List.of(policy("slow", List.of("sdb", "sdd"), MIB, 4 * MIB),
                policy("fast", List.of("sdc"), 8 * MIB, 64 * MIB)));
        BdiKnobs knobs = new BdiKnobs(k.sys, k.proc, FakeKernel.PAGE, new KnobJournal(tmp.resolve("state")));
        gov = new Governor(new Governor.Config(60_000_000_000L, 5_000_000_000L, false,
                false), ps, new DeviceScanner(k.sys, k.proc, null), knobs, k.roots());
        if (memory != null) {
            gov.remember(memory);
        }
        gov.start(now);
        return gov;
    }

    /** Runs {@code seconds} of plant and daemon, checking after every tick what a kernel would refuse. */
    private void run(double seconds) throws Exception {
        for (int i = 0; i < Math.round(seconds * 10); i++) {
            k.step(0.1);
            gov.doWork(now += TICK_NS);
            assertEquals(List.of(), k.refused, "a knob the kernel would refuse (EINVAL) at t=" + now / 1e9);
        }
    }

    @Test
    void everyKnobDecisionOfTheDutyCycle() throws Exception {
        start(400 * MIB); // background 200 MiB: freerun 300 MiB
        try {
            // New devices are capped before anyone writes: the policy's initial allowance, strict,
            // and the reserve (min_bytes = the floor) that keeps them writing beside others.
            assertEquals(4 * MIB, k.knob("8:16", "max_bytes"));
            assertEquals(1, k.knob("8:16", "strict_limit"));
            assertEquals(MIB, k.knob("8:16", "min_bytes"));
            assertEquals(64 * MIB, k.knob("8:32", "max_bytes"));
            assertEquals(8 * MIB, k.knob("8:32", "min_bytes"));

            // A slow device written hard holds about its rate × drain target (1 MiB/s × 2 s), never
            // more than it is allowed, and stays near its rate.
            FakeKernel.Dev sdb = k.devices.get("sdb");
            sdb.dirtyingBytesPerSec = 50 * MIB;
            run(20);
            long before = (long) sdb.written;
            for (int i = 0; i < 100; i++) {
                run(0.1);
                long max = k.knob("8:16", "max_bytes");
                assertTrue(max >= MIB && max <= 3 * MIB, "slow allowance " + max);
                assertTrue(k.held(sdb) <= max, "held " + k.held(sdb) + " > allowed " + max);
            }
            assertTrue(sdb.written - before >= 0.95 * 10 * MIB, "the slow device kept its rate: "
                    + (sdb.written - before) / 1e6 + " MB in 10 s");

            // A fast device of a strict policy, measured fast enough to be allowed half of freerun,
            // gives up strict_limit (so an idle one takes a burst at memory speed) ...
            FakeKernel.Dev sdc = k.devices.get("sdc");
            sdc.dirtyingBytesPerSec = 400 * MIB;
            boolean lifted = false;
            for (int i = 0; i < 300 && !lifted; i++) {
                run(0.1);
                lifted = k.knob("8:32", "strict_limit") == 0;
            }
            assertTrue(lifted, "strict_limit kept at allowance " + k.knob("8:32", "max_bytes"));
            assertTrue(k.knob("8:32", "max_bytes") >= 150 * MIB, "lifted below freerun / 2");
            assertEquals(0, k.knob("8:32", "min_bytes"), "no reserve without strict");
            // ... and takes it back once it slows below a quarter of freerun (hysteresis).
            sdc.completionBytesPerSec = 5 * MIB;
            boolean back = false;
            for (int i = 0; i < 600 && !back; i++) {
                run(0.1);
                back = k.knob("8:32", "strict_limit") == 1;
            }
            assertTrue(back, "strict_limit not taken back at allowance " + k.knob("8:32", "max_bytes"));
            assertTrue(k.knob("8:32", "max_bytes") < 75 * MIB);
            sdc.dirtyingBytesPerSec = 0;

            // Memory pressure: the global threshold falls below what a device is allowed. No knob
            // may ask for more than the threshold (the kernel refuses it: run() checks every tick).
            sdc.completionBytesPerSec = 500 * MIB;
            sdc.dirtyingBytesPerSec = 400 * MIB;
            run(20);
            long fastAllowed = k.knob("8:32", "max_bytes");
            k.threshBytes = fastAllowed / 2;
            k.backgroundBytes = k.threshBytes / 2;
            run(10);
            assertTrue(k.knob("8:32", "max_bytes") <= k.threshBytes, "above the shrunk threshold");
            sdc.dirtyingBytesPerSec = 0;
            k.threshBytes = 400 * MIB;
            k.backgroundBytes = 200 * MIB;
            run(2);

            // A device that holds data and completes nothing drops to its floor.
            sdb.completionBytesPerSec = 0;
            run(10);
            assertEquals(MIB, k.knob("8:16", "max_bytes"), "a stuck device is held at its floor");
            assertTrue(gov.status(false).contains("stalled"), gov.status(false));
            // Someone moves a stuck device's knob: the drift check puts it back.
            java.nio.file.Files.writeString(k.sys.resolve("class/bdi/8:16/max_bytes"), Long.toString(64 * MIB));
            run(12);
            assertEquals(MIB, k.knob("8:16", "max_bytes"), "a stuck device's drifted knob re-asserted");
            sdb.completionBytesPerSec = MIB;
            sdb.dirtyingBytesPerSec = 0;

            // Hot-plug: a new disk is governed within a second, at its initial allowance; a
            // removed one is dropped without an error.
            k.plug("sdd", "8:48", 10 * MIB);
            run(1.5);
            assertEquals("slow", gov.policyOf("8:48"));
            assertEquals(4 * MIB, k.knob("8:48", "max_bytes"));
            assertEquals(1, k.knob("8:48", "strict_limit"));
            k.unplug("sdc");
            run(1.5);
            assertFalse(gov.status(false).contains("sdc"), gov.status(false));
            assertEquals(3 - 1, gov.governedCount());

            // Stop: every knob back (strict_limit off, ratios as found), the journal empty; the
            // removed disk's entry dropped, not failed.
            assertTrue(gov.restore());
            for (String bdi : List.of("8:16", "8:48")) {
                assertEquals(0, k.knob(bdi, "strict_limit"), bdi);
                assertEquals(1_000_000, k.knob(bdi, "max_ratio_fine"), bdi);
                assertEquals(0, k.knob(bdi, "min_ratio_fine"), bdi);
            }
            assertTrue(new KnobJournal(tmp.resolve("state")).isEmpty());
        } finally {
            gov.close();
        }
    }

    /**
     * A device met in an earlier run starts at the allowance its remembered rate earns (its WWID
     * is the key, whatever it is called now); one never met starts at its policy's initial.
     */
    @Test
    void aDeviceMetBeforeStartsAtWhatItEarned() throws Exception {
        Path memoryFile = tmp.resolve("lib/devices");
        k = new FakeKernel(tmp, 400 * MIB);
        k.plug("sdb", "8:16", 1 * MIB);
        k.plug("sdc", "8:32", 500 * MIB);
        Files.writeString(k.sys.resolve("block/sdc/wwid"), "naa.fast\n");
        // First run, remembering: sdc is found at its initial 64 MiB, then measured at 20 MiB/s.
        restart(DeviceMemory.load(memoryFile, System.currentTimeMillis() / 1000, new ArrayList<>()));
        try {
            assertEquals(64 * MIB, k.knob("8:32", "max_bytes"));
            FakeKernel.Dev sdc = k.devices.get("sdc");
            sdc.completionBytesPerSec = 20 * MIB;
            sdc.dirtyingBytesPerSec = 100 * MIB;
            run(20);
            sdc.dirtyingBytesPerSec = 0;
            run(5);
            assertTrue(gov.restore());
        } finally {
            gov.close(); // keeps what it learned
        }
        DeviceMemory m = DeviceMemory.load(memoryFile, System.currentTimeMillis() / 1000, new ArrayList<>());
        assertEquals(1, m.size(), "only sdc has a key (a WWID); sdb has none");
        double rate = m.get("wwid:naa.fast").rateBytesPerSec();
        assertTrue(rate > 18 * MIB && rate < 22 * MIB, "remembered " + rate);

        // Second run: sdc starts at rate × 2 s, about 40 MiB, not at 64 MiB; sdb (no key) at its initial.
        restart(m);
        try {
            assertEquals((long) (rate * 2), k.knob("8:32", "max_bytes"));
            assertEquals(4 * MIB, k.knob("8:16", "max_bytes"));
            assertTrue(gov.status(false).contains("met before"), gov.status(false));
            assertTrue(gov.restore());
        } finally {
            gov.close();
        }
    }
}
