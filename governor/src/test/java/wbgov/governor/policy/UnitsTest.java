package wbgov.governor.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void sizes() {
        assertEquals(4096, Units.parseBytes("4096"));
        assertEquals(512L << 10, Units.parseBytes("512K"));
        assertEquals(16L << 20, Units.parseBytes("16M"));
        assertEquals(16L << 20, Units.parseBytes("16MiB"));
        assertEquals(3L << 29, Units.parseBytes("1.5G"));
        assertEquals(2L << 40, Units.parseBytes("2T"));
        assertEquals(1L << 20, Units.parseBytes(" 1 M "));
    }

    @Test
    void badSizesNameTheForm() {
        for (String bad : new String[] {"", "M", "-1M", "16X", "1.5", "0.3K", "lots", "1e9"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseBytes(bad),
                    bad);
            assertTrue(e.getMessage().contains("size"), e.getMessage());
        }
    }

    @Test
    void durations() {
        assertEquals(2_000_000_000L, Units.parseDurationNs("2s"));
        assertEquals(500_000_000L, Units.parseDurationNs("500ms"));
        assertEquals(60_000_000_000L, Units.parseDurationNs("1m"));
        assertEquals(1_500_000_000L, Units.parseDurationNs("1.5s"));
        assertEquals(250_000L, Units.parseDurationNs("250us"));
        assertEquals(3_600_000_000_000L, Units.parseDurationNs("1h"));
    }

    @Test
    void badDurationsNameTheForm() {
        for (String bad : new String[] {"2", "", "s", "2 sec", "-1s", "2S"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Units.parseDurationNs(bad), bad);
            assertTrue(e.getMessage().contains("duration like"), e.getMessage());
        }
    }

    @Test
    void formats() {
        assertEquals("16M", Units.formatBytes(16L << 20));
        assertEquals("1.5G", Units.formatBytes(3L << 29));
        assertEquals("100", Units.formatBytes(100));
        assertEquals("2s", Units.formatDurationNs(2_000_000_000L));
        assertEquals("500ms", Units.formatDurationNs(500_000_000L));
        assertEquals("1.50s", Units.formatDurationNs(1_500_000_000L));
    }

    @Test
    void globs() {
        assertTrue(Glob.matches("/media/*", "/media/usb/stick"));
        assertTrue(Glob.matches("fuse.*", "fuse.nbdfuse"));
        assertTrue(Glob.matches("sd?", "sdb"));
        assertTrue(Glob.matches("*", ""));
        assertTrue(!Glob.matches("sd?", "sdb1"));
        assertTrue(!Glob.matches("fuse.*", "fuseblk"));
        assertTrue(Glob.matches("*a*b*c", "xxaxxbxxc"));
    }
}
