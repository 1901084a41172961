package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicySet;

/**
 * {@code wbgov drain}'s hold, through the whole duty cycle over {@link FakeKernel}: two identical
 * plants side by side, one drained. The drained device goes to its floor with strict_limit (even
 * under a policy that is not strict), and comes back when released or when its lease lapses; the
 * other device's knobs are the same, tick by tick, as in the plant nobody drained.
 */
class GovernorDrainTest {
    private static final long TICK_NS = 100_000_000L;
    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    /** One plant and its daemon. */
    private static final class Rig {
        final FakeKernel k;
        final Governor gov;
        long now = 1_000_000_000L;

        Rig(Path dir) throws Exception {
            k = new FakeKernel(dir, 400 * MIB);
            k.plug("sdb", "8:16", 4 * MIB);
            k.plug("sdc", "8:32", 200 * MIB);
            PolicySet ps = PolicySet.of(List.of(
                    Policy.builder("usb").priority(10).names(List.of("sdb")).drainTargetNs(2_000_000_000L)
                            .floorBytes(MIB).ceilingBytes(1L << 30).initialBytes(4 * MIB).strict(false).build(),
                    Policy.builder("fast").priority(10).names(List.of("sdc")).drainTargetNs(2_000_000_000L)
                            .floorBytes(8 * MIB).ceilingBytes(1L << 30).initialBytes(64 * MIB).strict(true).build()));
            BdiKnobs knobs = new BdiKnobs(k.sys, k.proc, FakeKernel.PAGE, new KnobJournal(dir.resolve("state")));
            gov = new Governor(new Governor.Config(60_000_000_000L, 5_000_000_000L, false, false), ps,
                    new DeviceScanner(k.sys, k.proc, null), knobs, k.roots());
            gov.start(now);
            k.devices.get("sdb").dirtyingBytesPerSec = 20 * MIB;
            k.devices.get("sdc").dirtyingBytesPerSec = 100 * MIB;
        }

        void tick() throws Exception {
            k.step(0.1);
            gov.doWork(now += TICK_NS);
            assertEquals(List.of(), k.refused);
        }
    }

    @Test
    void holdsOneDeviceAtItsFloorAndTouchesNoOther() throws Exception {
        Rig drained = new Rig(tmp.resolve("a"));
        Rig control = new Rig(tmp.resolve("b"));
        try {
            for (int i = 0; i < 100; i++) {
                drained.tick();
                control.tick();
            }
            assertTrue(drained.k.knob("8:16", "max_bytes") > 4 * MIB, "the usb device was allowed more than its floor");
            assertEquals(0, drained.k.knob("8:16", "strict_limit"), "its policy is not strict");

            assertNull(drained.gov.drain("8:16", 5_000_000_000L));
            for (int i = 0; i < 30; i++) { // 3 s, inside the 5 s lease
                drained.tick();
                control.tick();
                if (i >= 1) {
                    assertEquals(MIB, drained.k.knob("8:16", "max_bytes"), "at its floor, tick " + i);
                    assertEquals(1, drained.k.knob("8:16", "strict_limit"), "strict while draining, tick " + i);
                    assertEquals("draining", drained.gov.snapshot().devices().stream()
                            .filter(d -> d.bdi().equals("8:16")).findFirst().orElseThrow().state());
                }
                for (String knob : List.of("max_bytes", "min_bytes", "strict_limit")) {
                    assertEquals(control.k.knob("8:32", knob), drained.k.knob("8:32", knob),
                            "the other device's " + knob + " at tick " + i);
                }
            }
            // Released: strict back to the policy's (off) at once, the allowance back up in steps.
            assertNull(drained.gov.drain("8:16", 0));
            for (int i = 0; i < 100; i++) {
                drained.tick();
            }
            assertEquals(0, drained.k.knob("8:16", "strict_limit"));
            assertTrue(drained.k.knob("8:16", "max_bytes") > 4 * MIB, "handed back to the law");

            // A lease not renewed lapses by itself (a drain killed with -9).
            assertNull(drained.gov.drain("8:16", 2_000_000_000L));
            drained.tick();
            drained.tick();
            assertEquals(MIB, drained.k.knob("8:16", "max_bytes"));
            for (int i = 0; i < 100; i++) {
                drained.tick();
            }
            assertEquals(0, drained.k.knob("8:16", "strict_limit"), "lease lapsed after 2 s");
            assertTrue(drained.k.knob("8:16", "max_bytes") > 4 * MIB);

            assertTrue(drained.gov.drain("9:9", 1).startsWith("no device"));
            assertTrue(drained.gov.restore());
            assertTrue(control.gov.restore());
        } finally {
            drained.gov.close();
            control.gov.close();
        }
    }
}
