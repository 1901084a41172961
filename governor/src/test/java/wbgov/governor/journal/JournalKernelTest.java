package wbgov.governor.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.KernelTestSupport;
import wbgov.governor.KernelTestSupport.Loop;
import wbgov.governor.KernelTestSupport.NbdFuse;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.actuate.KnobTarget;

/**
 * The journaled knob path on the real kernel: a crash (no normal close) followed by a restore
 * from a fresh journal instance puts every original back; a bdi that vanished is dropped
 * without error.
 */
class JournalKernelTest {
    private static final long MIB = 1L << 20;
    private static final String[] KNOBS = {"max_ratio", "min_ratio", "max_ratio_fine", "min_ratio_fine",
        "strict_limit"};

    @TempDir
    Path state;

    static Map<String, String> snapshot(String bdi) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : KNOBS) {
            Path p = Path.of("/sys/class/bdi", bdi, k);
            if (Files.exists(p)) {
                out.put(k, Files.readString(p).trim());
            }
        }
        return out;
    }

    @Test
    void restoreAfterSimulatedCrashPutsEveryOriginalBack() throws Exception {
        KernelTestSupport.requireRoot();
        Path img1 = Files.createTempFile(Path.of("/dev/shm"), "wbgov-j1", ".img");
        Path img2 = Files.createTempFile(Path.of("/dev/shm"), "wbgov-j2", ".img");
        try (Loop a = Loop.attach(img1); Loop b = Loop.attach(img2)) {
            Map<String, String> origA = snapshot(a.bdi);
            Map<String, String> origB = snapshot(b.bdi);
            try {
                BdiKnobs knobs = BdiKnobs.system(new KnobJournal(state));
                assertTrue(knobs.apply(a.bdi, new KnobTarget(16 * MIB, 4 * MIB, true)).ok());
                assertTrue(knobs.apply(b.bdi, new KnobTarget(8 * MIB, 2 * MIB, true)).ok());
                assertTrue(knobs.apply(a.bdi, new KnobTarget(32 * MIB, 8 * MIB, true)).ok());
                assertNotEquals(origA, snapshot(a.bdi));
                assertNotEquals(origB, snapshot(b.bdi));
                // "crash": the instance above is dropped without close or restore

                KnobJournal reopened = new KnobJournal(state);
                assertEquals(List.of(a.bdi, b.bdi).stream().sorted().toList(),
                        List.copyOf(reopened.entries().keySet()));
                BdiKnobs next = BdiKnobs.system(reopened);
                KnobJournal.RestoreReport rep = next.restoreAll();
                assertTrue(rep.ok(), rep.failed().toString());
                assertEquals(2, rep.restored().size());
                assertEquals(origA, snapshot(a.bdi));
                assertEquals(origB, snapshot(b.bdi));
                assertFalse(Files.exists(reopened.file()), "journal cleared after restore");
            } finally {
                restoreByHand(a.bdi, origA);
                restoreByHand(b.bdi, origB);
            }
        } finally {
            Files.deleteIfExists(img1);
            Files.deleteIfExists(img2);
        }
    }

    @Test
    void detachedLoopIsStillRestoredAndVanishedFuseIsDropped() throws Exception {
        KernelTestSupport.requireRoot();
        Path img = Files.createTempFile(Path.of("/dev/shm"), "wbgov-j3", ".img");
        Path mnt = Files.createTempDirectory("wbgov-jfuse");
        String loopBdi;
        Map<String, String> origLoop;
        try {
            BdiKnobs knobs = BdiKnobs.system(new KnobJournal(state));
            try (NbdFuse fuse = NbdFuse.mount(mnt, "16M")) {
                String fuseBdi = fuse.bdi();
                try (Loop loop = Loop.attach(img)) {
                    loopBdi = loop.bdi;
                    origLoop = snapshot(loopBdi);
                    assertTrue(knobs.apply(loopBdi, new KnobTarget(16 * MIB, 0, true)).ok());
                    assertTrue(knobs.apply(fuseBdi, new KnobTarget(4 * MIB, 0, true)).ok());
                }
                // the loop device is detached: its bdi (7:N) stays, with our knobs on it
                fuse.close();
                assertFalse(Files.exists(Path.of("/sys/class/bdi", fuseBdi)), "FUSE bdi should be gone");
                KnobJournal.RestoreReport rep = BdiKnobs.system(new KnobJournal(state)).restoreAll();
                assertTrue(rep.ok(), rep.failed().toString());
                assertEquals(List.of(fuseBdi), rep.vanished());
                assertEquals(List.of(loopBdi), rep.restored());
                assertEquals(origLoop, snapshot(loopBdi), "a detached loop's bdi keeps knobs: restored");
                assertTrue(new KnobJournal(state).isEmpty());
            }
        } finally {
            Files.deleteIfExists(img);
            Files.deleteIfExists(mnt);
        }
    }

    /** Safety net if an assertion failed before the restore under test ran. */
    private static void restoreByHand(String bdi, Map<String, String> orig) throws IOException {
        if (orig.equals(snapshot(bdi))) {
            return;
        }
        Path d = Path.of("/sys/class/bdi", bdi);
        Files.writeString(d.resolve("min_ratio_fine"), "0");
        Files.writeString(d.resolve("max_ratio_fine"), orig.get("max_ratio_fine"));
        Files.writeString(d.resolve("min_ratio_fine"), orig.get("min_ratio_fine"));
        Files.writeString(d.resolve("strict_limit"), orig.get("strict_limit"));
    }
}
