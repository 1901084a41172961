package wbgov.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.bench.rig.FastDevice;
import wbgov.bench.rig.GovernorProcess;
import wbgov.bench.rig.KernelSnapshot;
import wbgov.bench.rig.RigPeers;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;

/**
 * {@code wbgov drain} on the real kernel: a real {@code wbgov run} governing a 1 MiB/s NBD device
 * (loop over nbdfuse) and an idle fast device; {@code wbgov drain} of the slow device's mount as
 * its own process. While it runs the slow device is at its floor with strict_limit on, and the
 * other device's knobs never move; it exits 0 holding nothing; the device is handed back to the
 * law when it ends, and within the lease when the command is killed with -9.
 */
class DrainEndToEndTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    @Test
    void drainsOneDeviceTouchesNoOtherAndHandsItBack() throws Exception {
        RigPeers.require();
        Path root = tmp.toAbsolutePath();
        Path policies = ConfinedPolicies.write(GovernorProcess.defaultHome().resolve("policies"), root.resolve("policies"),
                root);
        try (SlowNbdDevice slow = SlowNbdDevice.builder(root.resolve("slow")).rateBytesPerSec(MIB).build();
                FastDevice fast = FastDevice.builder(root.resolve("fast")).sizeBytes(256 * MIB).build();
                KernelSnapshot snap = KernelSnapshot.take()) {
            for (String b : List.of(slow.loopBdi(), slow.fuseBdi(), fast.bdi())) {
                snap.bdi(b);
            }
            String bdi = slow.loopBdi();
            try (GovernorProcess gov = GovernorProcess.builder(root.resolve("state")).policies(policies).intervalMs(100)
                    .start()) {
                // A copy the device holds part of; the writer keeps going (so there is always something to hold back).
                Writer w = Writer.startUnbounded(slow.mountPoint().resolve("copy"), Writer.Sync.NONE);
                try {
                    Thread.sleep(4000);
                    Map<String, String> otherBefore = knobs(fast.bdi());
                    w.stop(); // the copy is accepted; what the device holds is what drain must empty
                    assertTrue(w.await(60, TimeUnit.SECONDS), "the writer did not stop");
                    Process drain = drain(gov.stateDir(), slow.mountPoint(), root.resolve("drain.log"));
                    boolean sawHeld = false;
                    while (drain.isAlive()) {
                        String st = gov.status(true);
                        if ("draining".equals(GovernorProcess.deviceField(st, bdi, "state"))) {
                            sawHeld = true;
                            assertEquals("1", read(bdi, "strict_limit"), "strict while draining");
                            long max = Long.parseLong(read(bdi, "max_bytes"));
                            assertTrue(max <= 2 * MIB, "at its floor (loop-remote: 1 MiB) while draining: " + max);
                        }
                        assertEquals(otherBefore, knobs(fast.bdi()), "another device's knobs moved during the drain");
                        Thread.sleep(50);
                    }
                    String log = Files.readString(root.resolve("drain.log"));
                    System.out.println(log);
                    assertEquals(0, drain.exitValue(), log);
                    assertTrue(log.contains("holds nothing after"), log);
                    assertTrue(log.contains("holds its new writers back"), log);
                    assertTrue(sawHeld, "status never showed the device draining:\n" + log);
                    assertTrue(awaitState(gov, bdi, 3), "not handed back after drain ended: " + gov.status(true));

                    // Killed with -9 mid-drain: the lease lapses and the law takes the device back.
                    Writer w2 = Writer.startUnbounded(slow.mountPoint().resolve("copy2"), Writer.Sync.NONE);
                    try {
                        Thread.sleep(2000);
                        Process killed = drain(gov.stateDir(), slow.mountPoint(), root.resolve("drain2.log"));
                        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (!"draining".equals(GovernorProcess.deviceField(gov.status(true), bdi, "state"))) {
                            assertTrue(System.nanoTime() < end, "the second drain never held the device: "
                                    + Files.readString(root.resolve("drain2.log")));
                            Thread.sleep(50);
                        }
                        killed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                        assertTrue(awaitState(gov, bdi, 8), "the lease did not lapse within 8 s of kill -9: "
                                + gov.status(true));
                    } finally {
                        w2.stop();
                        slow.setRate(0);
                        w2.close();
                    }
                } finally {
                    w.stop();
                    slow.setRate(0);
                    w.close();
                }
            }
        }
    }

    /** Waits up to {@code seconds} until the device is no longer draining. */
    private static boolean awaitState(GovernorProcess gov, String bdi, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            String s = GovernorProcess.deviceField(gov.status(true), bdi, "state");
            if (s != null && !s.equals("draining")) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static Process drain(Path stateDir, Path mount, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djna.tmpdir=" + stateDir.resolve("jna"),
                "-cp", System.getProperty("java.class.path"), "wbgov.cli.Main", "drain", "--state-dir",
                stateDir.toString(), "--timeout", "60s", mount.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private static String read(String bdi, String knob) throws Exception {
        return Files.readString(Path.of("/sys/class/bdi", bdi, knob)).trim();
    }

    /**
     * What the kernel stores for a bdi: the ratios in parts per million and strict_limit
     * (max_bytes and min_bytes read back as those ratios of the global threshold of now, which
     * moves with free memory).
     */
    private static Map<String, String> knobs(String bdi) throws Exception {
        return Map.of("max_ratio_fine", read(bdi, "max_ratio_fine"), "min_ratio_fine", read(bdi, "min_ratio_fine"),
                "strict_limit", read(bdi, "strict_limit"));
    }
}
