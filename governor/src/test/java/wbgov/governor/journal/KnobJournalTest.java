package wbgov.governor.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal file: durable records, first original wins, corrupt files named, restore bookkeeping. */
class KnobJournalTest {
    @TempDir
    Path dir;

    @Test
    void recordsSurviveANewInstanceAndFirstOriginalWins() throws IOException {
        KnobJournal j = new KnobJournal(dir);
        j.recordIfAbsent("7:0", Map.of("max_ratio_fine", "1000000"));
        j.recordIfAbsent("7:0", Map.of("max_ratio_fine", "3368"));     // wbgov's own value: ignored
        j.recordIfAbsent("0:52", Map.of("max_ratio_fine", "10000", "strict_limit", "1"));
        assertTrue(Files.readString(j.file()).startsWith("wbgov-knob-journal 1\n"));
        assertFalse(Files.exists(dir.resolve(KnobJournal.FILE_NAME + ".tmp")));

        KnobJournal after = new KnobJournal(dir);       // as after a crash
        assertEquals("1000000", after.entries().get("7:0").get("max_ratio_fine"));
        assertEquals("1", after.entries().get("0:52").get("strict_limit"));
    }

    @Test
    void namedBdisOfFileSystemsRoundTrip() throws IOException {
        // 9p, btrfs, fuse-less network file systems register bdis by name, not MAJ:MIN. A journal
        // the daemon wrote must be one the next start (or wbgov restore) can read: the guest's
        // 9p-1 once made every restore after a crash fail.
        KnobJournal j = new KnobJournal(dir);
        j.recordIfAbsent("9p-1", Map.of("max_ratio", "100"));
        j.recordIfAbsent("btrfs-2", Map.of("min_ratio", "0"));
        KnobJournal after = new KnobJournal(dir);
        assertEquals("100", after.entries().get("9p-1").get("max_ratio"));
        assertEquals("0", after.entries().get("btrfs-2").get("min_ratio"));
        assertThrows(IllegalArgumentException.class, () -> j.recordIfAbsent("a b", Map.of("max_ratio", "1")));
        assertThrows(IllegalArgumentException.class, () -> j.recordIfAbsent("../x", Map.of("max_ratio", "1")));
    }

    @Test
    void corruptFileIsAnErrorNamingFileAndLine() throws IOException {
        Files.writeString(dir.resolve(KnobJournal.FILE_NAME),
                "wbgov-knob-journal 1\nbdi 7:0 max_ratio_fine 1000000\nbdi 7:0 max_ratio_fine banana\n");
        JournalException e = assertThrows(JournalException.class, () -> new KnobJournal(dir));
        assertTrue(e.getMessage().contains(dir.resolve(KnobJournal.FILE_NAME) + ":3:"), e.getMessage());

        Files.writeString(dir.resolve(KnobJournal.FILE_NAME), "garbage\n");
        e = assertThrows(JournalException.class, () -> new KnobJournal(dir));
        assertTrue(e.getMessage().contains(dir.resolve(KnobJournal.FILE_NAME) + ":1:"), e.getMessage());
        // the corrupt file is left for the admin, not overwritten
        assertEquals("garbage\n", Files.readString(dir.resolve(KnobJournal.FILE_NAME)));
    }

    @Test
    void restoreAllDropsVanishedKeepsFailed() throws IOException {
        KnobJournal j = new KnobJournal(dir);
        j.recordIfAbsent("7:0", Map.of("min_ratio_fine", "0"));
        j.recordIfAbsent("7:1", Map.of("min_ratio_fine", "0"));
        j.recordIfAbsent("0:99", Map.of("min_ratio_fine", "0"));
        List<String> calls = new ArrayList<>();
        Map<String, Boolean> failOnce = new HashMap<>(Map.of("7:1", true));
        KnobJournal.Restorer r = new KnobJournal.Restorer() {
            @Override
            public boolean exists(String bdi) {
                return !bdi.equals("0:99");
            }

            @Override
            public void lowerMin(String bdi, Map<String, String> original) {
                calls.add("lower " + bdi);
            }

            @Override
            public void restore(String bdi, Map<String, String> original) throws IOException {
                calls.add("restore " + bdi);
                if (failOnce.remove(bdi) != null) {
                    throw new IOException("kernel said no");
                }
            }
        };
        KnobJournal.RestoreReport rep = j.restoreAll(r);
        assertEquals(List.of("7:0"), rep.restored());
        assertEquals(List.of("0:99"), rep.vanished());
        assertEquals(Map.of("7:1", "kernel said no"), rep.failed());
        assertEquals(List.of("lower 7:0", "lower 7:1", "restore 7:0", "restore 7:1"), calls);
        assertEquals(List.of("7:1"), List.copyOf(new KnobJournal(dir).entries().keySet()), "failed stays journaled");
        assertTrue(j.restoreAll(r).ok());
        assertFalse(Files.exists(j.file()));
    }
}
