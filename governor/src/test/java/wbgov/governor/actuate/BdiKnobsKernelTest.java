package wbgov.governor.actuate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.KernelTestSupport;
import wbgov.governor.KernelTestSupport.Loop;
import wbgov.governor.journal.KnobJournal;

/**
 * BdiKnobs against the real kernel on a loop device this test creates: byte knobs read back as
 * the kernel stores them, both orders of shrinking and growing, min/max ordering, EINVAL as a
 * clear, counted error; and every knob restored (verified) before the device is detached.
 */
class BdiKnobsKernelTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path state;

    @Test
    void appliesOrdersReadsBackAndRestores() throws Exception {
        KernelTestSupport.requireRoot();
        Path img = Files.createTempFile(Path.of("/dev/shm"), "wbgov-knobs", ".img");
        try (Loop loop = Loop.attach(img)) {
            KernelTestSupport.require(Files.exists(Path.of("/sys/class/bdi", loop.bdi, "max_bytes")),
                    "kernel without bdi byte knobs (< 6.2)");
            Map<String, String> original = KnobFiles.snapshot(loop.bdi);
            BdiKnobs knobs = BdiKnobs.system(new KnobJournal(state));
            try {
                // 16 MiB strict: stored as a ratio, read back close to (not exactly) 16 MiB
                ApplyResult r = knobs.apply(loop.bdi, new KnobTarget(16 * MIB, 0, true));
                assertTrue(r.ok(), r.error());
                KnobState k = r.kept();
                assertTrue(k.strict());
                assertTrue(Math.abs(k.maxBytes() - 16 * MIB) <= k.quantumBytes() + 16 * MIB / 1000,
                        "kept " + k.maxBytes() + " quantum " + k.quantumBytes());
                assertTrue(k.maxRatioPpm() > 0 && k.maxRatioPpm() < 1_000_000);
                assertEquals("1", Files.readString(Path.of("/sys/class/bdi", loop.bdi, "strict_limit")).trim());
                assertTrue(knobs.journal().contains(loop.bdi), "originals journaled before the first write");
                assertFalse(knobs.drifted(k, new KnobTarget(16 * MIB, 0, true)));
                assertTrue(knobs.drifted(k, new KnobTarget(32 * MIB, 0, true)));

                // raise min with max: max must go first (min 8 MiB > old max would be refused)
                assertApplied(knobs, loop.bdi, 64 * MIB, 24 * MIB);
                // shrink both below the old min: min must go first
                assertApplied(knobs, loop.bdi, 4 * MIB, 2 * MIB);
                // grow both above the old max
                assertApplied(knobs, loop.bdi, 128 * MIB, 96 * MIB);
                // shrink max only, min stays
                assertApplied(knobs, loop.bdi, 100 * MIB, 96 * MIB);
                // lower min only, then grow max only
                assertApplied(knobs, loop.bdi, 100 * MIB, 1 * MIB);
                assertApplied(knobs, loop.bdi, 200 * MIB, 1 * MIB);
                assertEquals(0, knobs.failures());

                // same target again: nothing to write
                assertEquals(0, knobs.apply(loop.bdi, new KnobTarget(200 * MIB, 1 * MIB, true)).writes());

                // invalid: min above max never reaches the kernel
                assertThrows(IllegalArgumentException.class, () -> new KnobTarget(1 * MIB, 2 * MIB, true));
                // invalid for the kernel: more than dirtyable memory → EINVAL, retried, counted, clear text
                KnobState before = knobs.read(loop.bdi);
                ApplyResult bad = knobs.apply(loop.bdi, new KnobTarget(1L << 50, 1 * MIB, true));
                assertFalse(bad.ok());
                assertTrue(bad.error().contains("max_bytes=" + (1L << 50)) && bad.error().contains(loop.bdi)
                        && bad.error().contains("Invalid argument"), bad.error());
                assertEquals(1, knobs.failures());
                assertTrue(knobs.retries() >= 1);
                assertEquals(before.maxRatioPpm(), bad.kept().maxRatioPpm(), "refused write changed nothing");

                // strict off
                assertFalse(knobs.apply(loop.bdi, new KnobTarget(200 * MIB, 0, false)).kept().strict());
            } finally {
                KnobJournal.RestoreReport rep = knobs.restoreAll();
                assertTrue(rep.ok(), "restore failed: " + rep.failed());
                assertEquals(original, KnobFiles.snapshot(loop.bdi), "knobs not back to their originals");
                assertTrue(knobs.journal().isEmpty());
                assertFalse(Files.exists(knobs.journal().file()));
            }
        } finally {
            Files.deleteIfExists(img);
        }
    }

    private static void assertApplied(BdiKnobs knobs, String bdi, long maxBytes, long minBytes) throws Exception {
        KnobTarget t = new KnobTarget(maxBytes, minBytes, true);
        ApplyResult r = knobs.apply(bdi, t);
        assertTrue(r.ok(), r.error());
        KnobState k = r.kept();
        // the quantum, plus 0.1 % for the global threshold moving between write and read-back
        assertTrue(Math.abs(k.maxBytes() - maxBytes) <= k.quantumBytes() + maxBytes / 1000,
                "max kept " + k.maxBytes() + " for " + t + ", quantum " + k.quantumBytes());
        assertTrue(Math.abs(k.minBytes() - minBytes) <= k.quantumBytes() + minBytes / 1000,
                "min kept " + k.minBytes() + " for " + t + ", quantum " + k.quantumBytes());
        assertFalse(knobs.drifted(k, t));
        assertTrue(k.minRatioPpm() <= k.maxRatioPpm());
    }
}
