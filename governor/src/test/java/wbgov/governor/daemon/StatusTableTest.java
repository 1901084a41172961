package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.daemon.Snapshots.MIB;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatusTableTest {
    private static final GovernorSnapshot.Device SLOW = Snapshots.governed("sdb", "8:16", "usb", MIB * 1.0,
            (long) (19.6 * MIB), 19.6, 21.0, 2.0, 2 * MIB);
    private static final GovernorSnapshot.Device FAST = Snapshots.governed("nvme0n1", "259:0", "nvme", 900.0 * MIB,
            9 * MIB, 0.01, 0.011, 5.0, 512 * MIB);
    private static final GovernorSnapshot.Device VDA = Snapshots.ungoverned("vda", "254:0", (long) (4.3 * (1L << 30)));

    private static String render(GovernorSnapshot s, String request) {
        return StatusView.answer(s, request);
    }

    private static String row(String table, String device) {
        return table.lines().filter(l -> l.length() > 2 && l.substring(2).startsWith(device + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + device + ":\n" + table));
    }

    @Test
    void drainBesideTargetOverTargetMarkedKernelValueUptime() {
        GovernorSnapshot s = Snapshots.of(3 * 3600 + 12 * 60 + 5, List.of(SLOW, FAST, VDA, Snapshots.unattachedLoop(0),
                Snapshots.unattachedLoop(1)));
        String t = render(s, "status");
        assertTrue(t.startsWith("wbgov 0.1.0-test, up 3h12m, governing 2 of 5 devices\n"), t);
        assertTrue(row(t, "sdb").startsWith("! "), "over its target: marked\n" + t);
        assertTrue(row(t, "sdb").endsWith(" 19.6s/2s"), row(t, "sdb"));
        assertTrue(row(t, "sdb").contains(" 2M strict "), row(t, "sdb"));
        assertTrue(row(t, "sdb").contains(" usb ") && row(t, "sdb").contains(" tracking "), row(t, "sdb"));
        assertTrue(row(t, "nvme0n1").startsWith("  "), "within its target: no mark");
        assertTrue(row(t, "nvme0n1").endsWith(" 0s/5s"), row(t, "nvme0n1"));
        assertTrue(row(t, "vda").contains(" kernel 4.3G "), "the kernel's own value, not the word alone: " + row(t, "vda"));
        assertFalse(t.contains("loop0"), "unattached loop devices hidden");
        assertTrue(t.contains("(2 unattached loop devices not shown: --all shows them)"), t);
        assertFalse(t.contains("\033"), "no escape sequence unless asked for (not a terminal)");
        for (String l : t.split("\n")) {
            assertTrue(l.length() <= 100, "over 100 columns: " + l.length() + ": " + l);
        }

        String all = render(s, "status all");
        assertTrue(row(all, "loop0").contains(" unattached "), all);
        assertFalse(all.contains("not shown"), all);
    }

    @Test
    void onATerminalTheRowOverTargetIsBoldAndRedOnlyWhereColoursAreWanted() {
        GovernorSnapshot s = Snapshots.of(10, List.of(SLOW, FAST));
        String color = render(s, "status style=color");
        assertTrue(color.contains("\033[1;31m! sdb "), color);
        assertEquals(1, color.split("\033\\[0m", -1).length - 1, "one reset, after the one row over target");
        String bold = render(s, "status style=bold");
        assertTrue(bold.contains("\033[1m! sdb ") && !bold.contains("31m"), bold);
        assertFalse(row(bold, "nvme0n1").contains("\033"));
    }

    @Test
    void drainTimeRangeOnlyWhereTheEstimateIsUncertain() {
        assertEquals("19.6s/2s", StatusTable.drain(SLOW), "upper end within 25 %: one number");
        assertEquals("1.2..3s/2s", StatusTable.drain(Snapshots.governed("a", "1:1", "p", 1.0, 1, 1.2, 3.0, 2.0, 1)));
        assertEquals("95s..2m30s/2s", StatusTable.drain(Snapshots.governed("a", "1:1", "p", 1.0, 1, 95.0, 150.0, 2.0, 1)));
        assertEquals("1.2s+/2s", StatusTable.drain(Snapshots.governed("a", "1:1", "p", 1.0, 1, 1.2, null, 2.0, 1)),
                "no upper end (the rate's low end at 0)");
        assertEquals("?/125ms", StatusTable.drain(Snapshots.governed("a", "1:1", "p", null, 1, null, null, 0.125, 1)),
                "not measured yet");
        assertEquals("0s", StatusTable.drain(VDA), "not governed: no target");
        assertEquals("45s", StatusTable.uptime(45.9));
        assertEquals("12m03s", StatusTable.uptime(723));
        assertEquals("2d03h", StatusTable.uptime(2 * 86_400 + 3 * 3600 + 59));
    }

    @Test
    void devicesByKernelNameDevPathBdiOrMountPoint() {
        GovernorSnapshot s = Snapshots.of(10, List.of(SLOW, FAST, VDA, Snapshots.unattachedLoop(3)));
        for (String f : List.of("sdb", "/dev/sdb", "8:16", "/media/sdb", "/media/sdb/")) {
            String t = render(s, new StatusRequest(false, false, StatusRequest.Style.PLAIN, List.of(f)).line());
            assertTrue(t.contains("! sdb "), f + ":\n" + t);
            assertFalse(t.contains("nvme0n1") || t.contains("vda"), f + ":\n" + t);
        }
        String loop = render(s, new StatusRequest(false, false, StatusRequest.Style.PLAIN, List.of("loop3")).line());
        assertTrue(loop.contains("loop3"), "named, an unattached loop device shows without --all:\n" + loop);
        String none = render(s, new StatusRequest(false, false, StatusRequest.Style.PLAIN, List.of("sdz", "vda")).line());
        assertTrue(none.contains("no device matches 'sdz'") && none.contains("  vda "), none);
    }

    @Test
    void hostileNamesCannotBreakTheTable() {
        GovernorSnapshot.Device d = Snapshots.governed("sdb", "8:16", "tab\there\nnewline\033[2J", 1.0 * MIB, 0, 0.0,
                0.0, 2.0, MIB);
        String t = render(Snapshots.of(10, List.of(d)), "status");
        assertEquals(4, t.lines().count(), t);
        assertFalse(t.contains("\033") || t.contains("\t"), t);
        assertTrue(row(t, "sdb").contains("tab?here?n…"), t);
    }

    @Test
    void theSocketAnswersStatusRequestsOnly() {
        GovernorSnapshot s = Snapshots.of(10, List.of(SLOW));
        assertTrue(render(s, "drain 8:16 5s").startsWith("error: "), "not a status request");
        assertTrue(render(s, "status frobnicate").startsWith("error: "));
        assertTrue(render(s, "status json").startsWith("{"), "an older client's request");
        StatusRequest r = new StatusRequest(true, true, StatusRequest.Style.COLOR, List.of("/mnt/a b\tc\nd", "7:0"));
        assertEquals(r, StatusRequest.parse(r.line()), "round trip");
        assertFalse(r.line().contains("\n"), "one line");
    }

    @Test
    void aDrainTimeBeyondAWeekIsNotANumber() {
        org.junit.jupiter.api.Assertions.assertEquals("19.6s", StatusTable.seconds(19.6));
        org.junit.jupiter.api.Assertions.assertEquals("6d23h", StatusTable.seconds(7 * 86_400 - 3600));
        org.junit.jupiter.api.Assertions.assertEquals(">7d", StatusTable.seconds(9.2e12));
    }
}
