package wbgov.governor.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceMemoryTest {
    private static final long NOW = 1_800_000_000L;

    @TempDir
    Path tmp;

    @Test
    void roundTripsKeysWithTabsNewlinesAndBackslashes() throws Exception {
        Path f = tmp.resolve("sub/devices");
        DeviceMemory m = DeviceMemory.load(f, NOW, new ArrayList<>());
        assertEquals(0, m.size());
        m.put("loop:/srv/a\tb\\c\nd", 200e6, NOW);
        m.put("wwid:naa.5000", 1.5e6, NOW - 10);
        assertTrue(m.save());
        assertFalse(m.save(), "nothing changed: not written again");
        List<String> w = new ArrayList<>();
        DeviceMemory back = DeviceMemory.load(f, NOW, w);
        assertEquals(List.of(), w);
        assertEquals(new DeviceMemory.Entry(200e6, NOW), back.get("loop:/srv/a\tb\\c\nd"));
        assertEquals(new DeviceMemory.Entry(1.5e6, NOW - 10), back.get("wwid:naa.5000"));
        assertNull(back.get("wwid:other"));
        assertNull(back.get(null));
        assertTrue(Files.readString(f).startsWith("wbgov-devices 1\n"));
        assertFalse(Files.exists(tmp.resolve("sub/devices.tmp")), "the temporary file is renamed away");
    }

    @Test
    void writesOnlyWhenTheRateMovedOrAnHourPassed() throws Exception {
        DeviceMemory m = DeviceMemory.load(tmp.resolve("d"), NOW, new ArrayList<>());
        m.put("k", 100e6, NOW);
        assertTrue(m.save());
        m.put("k", 109e6, NOW + 60);
        assertFalse(m.save(), "9 % is within the band");
        assertEquals(100e6, m.get("k").rateBytesPerSec());
        m.put("k", 111e6, NOW + 60);
        assertTrue(m.save(), "11 % is not");
        m.put("k", 111e6, NOW + 60 + 3600);
        assertTrue(m.save(), "seen again an hour later: the date moves");
        assertEquals(NOW + 60 + 3600, m.get("k").seenEpochSeconds());
    }

    @Test
    void refusesNonsenseToRemember() {
        DeviceMemory m = DeviceMemory.load(tmp.resolve("d"), NOW, new ArrayList<>());
        m.put("k", 0, NOW);
        m.put("k", Double.NaN, NOW);
        m.put("k", Double.POSITIVE_INFINITY, NOW);
        m.put("x".repeat(2000), 1e6, NOW);
        assertEquals(0, m.size());
    }

    @Test
    void badLinesAreSkippedWithFileAndLineAndOldOnesAgeOut() throws Exception {
        Path f = tmp.resolve("d");
        Files.writeString(f, "wbgov-devices 1\n# comment\nok\t1000\t" + NOW + "\nbroken line\n"
                + "neg\t-5\t" + NOW + "\nbad\\q\t5\t" + NOW + "\nold\t1000\t" + (NOW - DeviceMemory.MAX_AGE_SECONDS - 1) + "\n");
        List<String> w = new ArrayList<>();
        DeviceMemory m = DeviceMemory.load(f, NOW, w);
        assertEquals(1, m.size());
        assertEquals(1000, m.get("ok").rateBytesPerSec());
        assertNull(m.get("old"), "older than the age limit");
        assertEquals(List.of(f + ":4: expected 3 tab-separated fields, found 1: line skipped",
                f + ":5: empty key or rate not positive: line skipped",
                f + ":6: unknown escape \\q in key: line skipped"), w);
        assertTrue(m.save(), "the file is rewritten without them");
        assertEquals(List.of(), loadWarnings(f));
    }

    @Test
    void aForeignOrUndecodableFileIsIgnoredNotFatal() throws Exception {
        Path f = tmp.resolve("d");
        Files.writeString(f, "something else\n");
        List<String> w = new ArrayList<>();
        assertEquals(0, DeviceMemory.load(f, NOW, w).size());
        assertEquals(List.of(f + ":1: not a wbgov devices file (expected 'wbgov-devices 1'): ignored"), w);
        Files.write(f, new byte[] {'w', (byte) 0xff, '\n'});
        w.clear();
        assertEquals(0, DeviceMemory.load(f, NOW, w).size());
        assertEquals(List.of(f + ": not valid UTF-8: starting without remembered devices"), w);
    }

    @Test
    void keepsTheMostRecentlySeenWhenFull() throws Exception {
        DeviceMemory m = DeviceMemory.load(tmp.resolve("d"), NOW, new ArrayList<>());
        for (int i = 0; i < DeviceMemory.MAX_ENTRIES + 5; i++) {
            m.put("k" + i, 1e6, NOW - 10_000 + i);
        }
        m.save();
        assertEquals(DeviceMemory.MAX_ENTRIES, m.size());
        assertNull(m.get("k4"), "among the five least recently seen");
        assertEquals(1e6, m.get("k5").rateBytesPerSec());
        assertEquals(DeviceMemory.MAX_ENTRIES, DeviceMemory.load(tmp.resolve("d"), NOW, new ArrayList<>()).size());
    }

    private static List<String> loadWarnings(Path f) {
        List<String> w = new ArrayList<>();
        DeviceMemory.load(f, NOW, w);
        return w;
    }
}
