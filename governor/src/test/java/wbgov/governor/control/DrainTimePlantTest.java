package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.control.PlantModel.MIB;
import static wbgov.governor.control.PlantModel.MS;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The drain-time law against {@link PlantModel}, 100 ms ticks. Every test checks on every tick
 * that no allowance is below its floor (so never zero).
 */
class DrainTimePlantTest {
    private static final long TICK_NS = 100 * MS;
    private static final long GLOBAL = 400 * MIB;
    private static final long BACKGROUND = 200 * MIB;

    /** A device of the plant with its controller; counts knob writes. */
    private static final class Governed {
        final PlantModel.Device device;
        final DrainTimeController controller;
        final long floorBytes;
        final List<long[]> writes = new ArrayList<>(); // {timeNs, bytes}
        final List<String> log = new ArrayList<>();

        Governed(PlantModel plant, PlantModel.Device device, DrainTimeController.Builder b, long floorBytes) {
            this.controller = b.build();
            this.device = device;
            this.floorBytes = floorBytes;
            device.allowanceBytes = controller.allowanceBytes(); // applied at discovery
            plant.add(device);
        }

        void onTick(PlantModel plant) {
            Decision d = controller.update(device.sample, (long) plant.globalHeld());
            assertTrue(d.newBytes >= floorBytes && d.newBytes > 0, "floor crossed: " + d);
            if (d.changed) {
                writes.add(new long[] {plant.nowNs, d.newBytes});
                log.add(String.format("%6.1fs %s: %s", plant.nowNs / 1e9, device.name, d));
                device.allowanceBytes = d.newBytes;
            }
        }

        int writesBetween(PlantModel plant, double fromSec, double toSec) {
            int n = 0;
            for (long[] w : writes) {
                double t = (w[0] - START_NS) / 1e9;
                if (t >= fromSec && t < toSec) {
                    n++;
                }
            }
            return n;
        }
    }

    private static final long START_NS = 1_000_000_000L;

    private static double sec(PlantModel p) {
        return (p.nowNs - START_NS) / 1e9;
    }

    private static void run(PlantModel plant, double untilSec, List<Governed> gs, Runnable perTick) {
        while (sec(plant) < untilSec - 1e-9) {
            plant.advance(TICK_NS);
            for (Governed g : gs) {
                g.onTick(plant);
            }
            perTick.run();
        }
    }

    private static DrainTimeController.Builder slowPolicy() {
        return DrainTimeController.builder().drainTargetNs(2_000 * MS).floorBytes(2 * MIB).ceilingBytes(256 * MIB)
                .initialBytes(4 * MIB).strict(true);
    }

    /**
     * A 20 MiB/s device slows 10× at 30 s and recovers at 90 s, under a writer at memory speed.
     * The allowance follows within 3 s each way; the pages already in (40 MiB) need 20 s to
     * drain at 2 MiB/s — no law can take them back — after which the drain time stays within
     * 1.2 × target; the knob is not rewritten in steady state.
     */
    @Test
    void speedStepsTenfoldDownAndUp() {
        PlantModel plant = new PlantModel(GLOBAL, BACKGROUND);
        PlantModel.Device dev = new PlantModel.Device("usb", 20 * MIB, MIB, 0);
        dev.writerBytesPerSec = 2_000 * MIB;
        Governed g = new Governed(plant, dev, slowPolicy(), 2 * MIB);
        List<Governed> gs = List.of(g);
        double[] maxDrainSlow = {0};
        double[] maxDrainFast = {0};
        run(plant, 30, gs, () -> {
            if (sec(plant) >= 10) {
                maxDrainFast[0] = Math.max(maxDrainFast[0], dev.trueDrainSec());
            }
        });
        assertEquals(40 * MIB, g.controller.allowanceBytes(), 0.1 * 40 * MIB);
        assertTrue(maxDrainFast[0] <= 2.4, "fast drain " + maxDrainFast[0]);

        dev.capacityBytesPerSec = 2 * MIB;
        double[] convergedDown = {-1};
        run(plant, 90, gs, () -> {
            double ideal = 2.0 * MIB * 2;
            if (convergedDown[0] < 0 && dev.allowanceBytes <= 1.2 * ideal) {
                convergedDown[0] = sec(plant) - 30;
            }
            if (sec(plant) >= 30 + 20 + 3) {
                maxDrainSlow[0] = Math.max(maxDrainSlow[0], dev.trueDrainSec());
            }
        });
        assertTrue(convergedDown[0] >= 0 && convergedDown[0] <= 3.0, "down convergence " + convergedDown[0] + "s");
        assertTrue(maxDrainSlow[0] <= 2.4, "slow drain " + maxDrainSlow[0] + "\n" + String.join("\n", g.log));
        assertTrue(g.writesBetween(plant, 60, 90) <= 1, "steady writes " + g.writesBetween(plant, 60, 90)
                + "\n" + String.join("\n", g.log));

        dev.capacityBytesPerSec = 20 * MIB;
        double[] convergedUp = {-1};
        run(plant, 130, gs, () -> {
            if (convergedUp[0] < 0 && dev.allowanceBytes >= 0.8 * 40 * MIB) {
                convergedUp[0] = sec(plant) - 90;
            }
        });
        assertTrue(convergedUp[0] >= 0 && convergedUp[0] <= 3.0, "up convergence " + convergedUp[0] + "s\n"
                + String.join("\n", g.log));
        assertTrue(g.writesBetween(plant, 100, 130) <= 1, "steady writes after the rise\n" + String.join("\n", g.log));
        System.out.printf("plant: 10x step: down converged in %.1fs, up in %.1fs; max drain fast %.2fs, slow %.2fs;"
                + " %d knob writes in 130 s%n", convergedDown[0], convergedUp[0], maxDrainFast[0], maxDrainSlow[0],
                g.writes.size());
    }

    /**
     * The same 10× slowdown with a backlog target of 250 ms (the shipped slow policies): a
     * writer at memory speed keeps the device backlogged, so it holds r · 250 ms (5 MiB at
     * 20 MiB/s) instead of r · 2 s (40 MiB). The slowdown then costs 2.5 s of drain at most
     * instead of 20 s, the device keeps its speed in both phases, and after the writer stops the
     * allowance goes back up to r · T, so that a later burst of 2 s is taken at once.
     */
    @Test
    void backlogTargetBoundsTheDrainAfterASlowdown() {
        PlantModel plant = new PlantModel(GLOBAL, BACKGROUND);
        PlantModel.Device dev = new PlantModel.Device("nbd", 20 * MIB, MIB, 0);
        dev.writerBytesPerSec = 2_000 * MIB;
        Governed g = new Governed(plant, dev, slowPolicy().backlogTargetNs(250 * MS), 2 * MIB);
        List<Governed> gs = List.of(g);
        run(plant, 10, gs, () -> { });
        assertTrue(g.controller.backlogged(), String.join("\n", g.log));
        assertEquals(5 * MIB, g.controller.allowanceBytes(), 0.2 * 5 * MIB, String.join("\n", g.log));
        double writtenBefore = dev.written;
        run(plant, 20, gs, () -> { });
        assertTrue(dev.written - writtenBefore >= 0.95 * 20 * MIB * 10, "fast phase throughput "
                + (dev.written - writtenBefore) / 10 / MIB + " MiB/s");

        dev.capacityBytesPerSec = 2 * MIB;
        double[] maxDrain = {0};
        double[] worstAfter1s = {0};
        double slowStart = dev.written;
        run(plant, 40, gs, () -> {
            maxDrain[0] = Math.max(maxDrain[0], dev.trueDrainSec());
            if (sec(plant) >= 21.5) {
                worstAfter1s[0] = Math.max(worstAfter1s[0], dev.trueDrainSec());
            }
        });
        assertTrue(maxDrain[0] <= 3.0, "drain after the slowdown " + maxDrain[0] + "s\n" + String.join("\n", g.log));
        assertTrue(worstAfter1s[0] <= 2.4, "drain 1.5 s after the slowdown " + worstAfter1s[0] + "s\n"
                + String.join("\n", g.log));
        assertTrue(dev.written - slowStart >= 0.95 * 2 * MIB * 20, "slow phase throughput "
                + (dev.written - slowStart) / 20 / MIB + " MiB/s");

        // The writer stops: the device drains, leaves the backlog, and opens up to r · T again.
        dev.writerBytesPerSec = 0;
        run(plant, 55, gs, () -> { });
        assertTrue(!g.controller.backlogged(), String.join("\n", g.log));
        assertEquals(4 * MIB, g.controller.allowanceBytes(), 0.2 * 4 * MIB, String.join("\n", g.log));
        assertTrue(g.log.stream().anyMatch(l -> l.contains(Decision.Reason.BACKLOG.text())), String.join("\n", g.log));
    }

    /**
     * The backlog target is a set point for throughput too: with a device that needs more in
     * flight than r · B (latency 500 ms, so Little's law wants r × 0.5 s), holding r · B would
     * cost speed; the probe finds that more allowance buys completions and raises it, never above
     * r · T.
     */
    @Test
    void backlogTargetTooSmallIsProbedOpen() {
        PlantModel plant = new PlantModel(GLOBAL, BACKGROUND);
        PlantModel.Device dev = new PlantModel.Device("far", 8 * MIB, 64 * MIB, 0);
        dev.latencySec = 0.5;
        dev.writerBytesPerSec = 2_000 * MIB;
        Governed g = new Governed(plant, dev, slowPolicy().backlogTargetNs(250 * MS)
                .probeIntervalNs(2_000 * MS, 16_000 * MS), 2 * MIB);
        run(plant, 120, List.of(g), () -> { });
        double before = dev.written;
        run(plant, 140, List.of(g), () -> { });
        double rate = (dev.written - before) / 20;
        assertTrue(rate >= 0.9 * 8 * MIB, "throughput " + rate / MIB + " MiB/s\n" + String.join("\n", g.log));
        assertTrue(dev.allowanceBytes <= 1.15 * 8 * MIB * 2, "allowance " + dev.allowanceBytes);
    }

    /**
     * Bursts from a writer at memory speed on a 5 MiB/s device that rests in between: the
     * initial cap holds the first burst, the estimate survives the idle gaps (the allowance
     * does not collapse while idle), and no burst gets in more than the allowance.
     */
    @Test
    void burstsSeparatedByIdle() {
        PlantModel plant = new PlantModel(GLOBAL, BACKGROUND);
        PlantModel.Device dev = new PlantModel.Device("stick", 5 * MIB, MIB, 0);
        Governed g = new Governed(plant, dev, slowPolicy(), 2 * MIB);
        List<Governed> gs = List.of(g);
        double[] maxHeld = {0};
        long[] minAllowanceWhileIdle = {Long.MAX_VALUE};
        run(plant, 60, gs, () -> {
            double t = sec(plant);
            boolean burst = (t % 10) < 3; // 3 s of writing every 10 s
            dev.writerBytesPerSec = burst ? 2_000 * MIB : 0;
            maxHeld[0] = Math.max(maxHeld[0], dev.held() - dev.allowanceBytes);
            if (t > 20 && (t % 10) > 6) {
                minAllowanceWhileIdle[0] = Math.min(minAllowanceWhileIdle[0], dev.allowanceBytes);
            }
        });
        assertTrue(maxHeld[0] <= 0, "held above allowance by " + maxHeld[0]);
        // 5 MiB/s × 2 s = 10 MiB, kept through the idle gaps
        assertTrue(minAllowanceWhileIdle[0] >= 9 * MIB && minAllowanceWhileIdle[0] <= 11 * MIB,
                "idle allowance " + minAllowanceWhileIdle[0] + "\n" + String.join("\n", g.log));
        assertTrue(g.writesBetween(plant, 20, 60) <= 2, String.join("\n", g.log));
    }

    /**
     * Two slow devices (1 and 2 MiB/s, strict) filled by writers at memory speed, and a fast
     * non-strict 200 MiB/s device whose writer writes 1200 MiB and waits for it: the fast
     * writer keeps at least 0.9 of its solo speed, the slow devices stay near 2 s of drain.
     * Without the governor (no caps) the same plant stalls the fast writer.
     */
    @Test
    void twoSlowDevicesAndOneFast() {
        double solo = fastJobSeconds(false, false);
        double ungoverned = fastJobSeconds(true, false);
        double governed = fastJobSeconds(true, true);
        assertTrue(ungoverned > 1.5 * solo, "the plant must show the problem: solo " + solo + " ungoverned "
                + ungoverned);
        assertTrue(solo / governed >= 0.9, "solo " + solo + "s governed " + governed + "s");
        System.out.printf("plant: fast job solo %.1fs, with slow devices ungoverned %.1fs, governed %.1fs%n", solo,
                ungoverned, governed);
    }

    private static double fastJobSeconds(boolean withSlow, boolean governed) {
        PlantModel plant = new PlantModel(GLOBAL, BACKGROUND);
        List<Governed> gs = new ArrayList<>();
        List<PlantModel.Device> slow = new ArrayList<>();
        if (withSlow) {
            for (int i = 1; i <= 2; i++) {
                PlantModel.Device d = new PlantModel.Device("slow" + i, i * MIB, MIB, 0);
                d.writerBytesPerSec = 2_000 * MIB;
                slow.add(d);
                if (governed) {
                    gs.add(new Governed(plant, d, slowPolicy(), 2 * MIB));
                } else {
                    d.strict = false;
                    d.allowanceBytes = Long.MAX_VALUE / 4;
                    plant.add(d);
                }
            }
        }
        PlantModel.Device fast = new PlantModel.Device("fast", 200 * MIB, 32 * MIB, 0);
        fast.strict = false;
        if (governed) {
            gs.add(new Governed(plant, fast, DrainTimeController.builder().drainTargetNs(2_000 * MS)
                    .floorBytes(32 * MIB).ceilingBytes(4_096 * MIB).initialBytes(512 * MIB).strict(false), 32 * MIB));
        } else {
            fast.allowanceBytes = Long.MAX_VALUE / 4;
            plant.add(fast);
        }
        // let the slow devices fill first, as in the kernel experiment
        run(plant, 30, gs, () -> { });
        double[] maxSlowDrain = {0};
        fast.writerBytesPerSec = 2_000 * MIB;
        fast.jobBytes = 1_200 * MIB;
        long startNs = plant.nowNs;
        run(plant, 200, gs, () -> {
            for (PlantModel.Device d : slow) {
                maxSlowDrain[0] = Math.max(maxSlowDrain[0], d.trueDrainSec());
            }
        });
        if (fast.jobDoneNs < 0) {
            return Double.POSITIVE_INFINITY; // stalled behind the slow devices for 170 s
        }
        if (governed) {
            assertTrue(maxSlowDrain[0] <= 2.4, "slow drain " + maxSlowDrain[0]);
        }
        return (fast.jobDoneNs - startNs) / 1e9;
    }

    /** A device that stops completing (server gone) drops to its floor, and reopens when it comes back. */
    @Test
    void collapseToFloorAndRecover() {
        PlantModel plant = new PlantModel(GLOBAL, BACKGROUND);
        PlantModel.Device dev = new PlantModel.Device("nbd", 10 * MIB, MIB, 0);
        dev.writerBytesPerSec = 2_000 * MIB;
        Governed g = new Governed(plant, dev, slowPolicy(), 2 * MIB);
        run(plant, 20, List.of(g), () -> { });
        assertEquals(20 * MIB, g.controller.allowanceBytes(), 2 * MIB);
        dev.capacityBytesPerSec = 1e-9;
        double[] atFloor = {-1};
        run(plant, 40, List.of(g), () -> {
            if (atFloor[0] < 0 && dev.allowanceBytes == 2 * MIB) {
                atFloor[0] = sec(plant) - 20;
            }
        });
        // 2 s without a completion, plus the 1 MiB it had under write-back at 10 MiB/s (StallGuard's grace)
        assertTrue(atFloor[0] > 0 && atFloor[0] <= 2.2, "floor after " + atFloor[0] + "s\n" + String.join("\n", g.log));
        assertEquals(2 * MIB, g.controller.allowanceBytes());
        dev.capacityBytesPerSec = 10 * MIB;
        run(plant, 50, List.of(g), () -> { });
        // back within the up band (20 %) of 10 MiB/s × 2 s: it may rise at once to what it drained
        long a = g.controller.allowanceBytes();
        assertTrue(a >= 16 * MIB && a <= 22 * MIB, a + "\n" + String.join("\n", g.log));
    }

    /**
     * A non-strict fast device relaxes to its ceiling after 5 s of no contention and drops back
     * to rate × target in the tick contention returns; a strict one never relaxes.
     */
    @Test
    void relaxWhenUncontendedOnlyIfNotStrict() {
        PlantModel plant = new PlantModel(GLOBAL, BACKGROUND);
        PlantModel.Device dev = new PlantModel.Device("ssd", 100 * MIB, 16 * MIB, 0);
        dev.strict = false;
        dev.writerBytesPerSec = 50 * MIB; // slower than the device: little held, nothing contends
        Governed g = new Governed(plant, dev, DrainTimeController.builder().drainTargetNs(1_000 * MS)
                .floorBytes(16 * MIB).ceilingBytes(1_024 * MIB).initialBytes(64 * MIB).strict(false), 16 * MIB);
        PlantModel.Device hog = new PlantModel.Device("hog", 1 * MIB, MIB, 0);
        Governed h = new Governed(plant, hog, slowPolicy(), 2 * MIB);
        List<Governed> gs = List.of(g, h);
        run(plant, 20, gs, () -> { });
        assertEquals(1_024 * MIB, g.controller.allowanceBytes(), String.join("\n", g.log));
        assertTrue(h.controller.allowanceBytes() <= 4 * MIB, "strict device stays under its law");
        // contention: something (an ungoverned device) fills the budget past freerun/2
        PlantModel.Device other = new PlantModel.Device("other", 1 * MIB, MIB, Long.MAX_VALUE / 4);
        other.strict = false;
        other.writerBytesPerSec = 2_000 * MIB;
        plant.add(other);
        double[] dropped = {-1};
        run(plant, 30, gs, () -> {
            if (dropped[0] < 0 && dev.allowanceBytes < 1_024 * MIB) {
                dropped[0] = sec(plant) - 20;
            }
        });
        assertTrue(dropped[0] > 0 && dropped[0] <= 0.5, "dropped after " + dropped[0] + "s\n"
                + String.join("\n", g.log));
        assertTrue(g.log.stream().anyMatch(l -> l.contains("contention returned")), String.join("\n", g.log));
    }

    /**
     * A device that needs more bytes in flight than the drain target gives it (latency 3 s > T
     * = 2 s; Little's law caps its rate at allowance / 3 s) would lock at the floor under a
     * completion-following law. Probes find that more allowance buys speed and open it up.
     */
    @Test
    void probeUnlocksAnAllowanceBoundDevice() {
        PlantModel plant = new PlantModel(GLOBAL, BACKGROUND);
        PlantModel.Device dev = new PlantModel.Device("deep", 50 * MIB, 1_024 * MIB, 0);
        dev.latencySec = 3.0;
        dev.writerBytesPerSec = 2_000 * MIB;
        Governed g = new Governed(plant, dev, slowPolicy(), 2 * MIB);
        run(plant, 15, List.of(g), () -> { });
        double lockedRate = g.controller.rateBytesPerSec();
        run(plant, 120, List.of(g), () -> { });
        double openedRate = g.controller.rateBytesPerSec();
        System.out.printf("plant: probe: locked %.2f MiB/s, opened %.2f MiB/s%n", lockedRate / MIB, openedRate / MIB);
        assertTrue(openedRate >= 2 * lockedRate, "locked " + lockedRate + " opened " + openedRate + "\n"
                + String.join("\n", g.log));
        assertTrue(g.log.stream().anyMatch(l -> l.contains("probe raised completions")), String.join("\n", g.log));
    }

    /**
     * A device that is the bottleneck but whose queue swallows everything admitted looks
     * "binding" to the probe test: probes fail and back off, so over five minutes of steady
     * state the knob is written only a handful of times.
     */
    @Test
    void failedProbesBackOff() {
        PlantModel plant = new PlantModel(GLOBAL, BACKGROUND);
        PlantModel.Device dev = new PlantModel.Device("q", 4 * MIB, 1_024 * MIB, 0);
        dev.writerBytesPerSec = 2_000 * MIB;
        Governed g = new Governed(plant, dev, slowPolicy(), 2 * MIB);
        double[] maxDrain = {0};
        run(plant, 330, List.of(g), () -> {
            if (sec(plant) > 30) {
                maxDrain[0] = Math.max(maxDrain[0], dev.trueDrainSec());
            }
        });
        int writes = g.writesBetween(plant, 30, 330);
        System.out.printf("plant: failed probes: %d writes in 300 s, max drain %.2fs%n", writes, maxDrain[0]);
        assertTrue(writes <= 10, writes + " writes\n" + String.join("\n", g.log));
        assertTrue(g.log.stream().anyMatch(l -> l.contains("probe did not raise")), String.join("\n", g.log));
        // during a probe the bound is widened by the probe factor
        assertTrue(maxDrain[0] <= 2 * 1.2 * 1.25, "drain " + maxDrain[0]);
    }
}
